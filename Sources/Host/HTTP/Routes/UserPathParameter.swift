import Foundation
import Hummingbird
import ProvisionerAPI

/// The `{user}` path parameter: percent-decoded (`alice%40example` is `alice@example`) and held to
/// the user id rule, so a path names a user exactly as a body's `user_id` does.
enum UserPathParameter {
    /// - Throws: `invalid_request` with the user id rule when the decoded value breaks it.
    static func read(_ context: ProvisionerRequestContext) throws -> String {
        let raw = try context.parameters.require("user")
        guard let userID = raw.removingPercentEncoding, NewOrder.isValidUserID(userID) else {
            throw ProvisionerError.invalidRequest(NewOrder.userIDRule)
        }
        return userID
    }
}
