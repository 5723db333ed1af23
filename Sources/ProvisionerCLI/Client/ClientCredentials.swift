import Foundation
import Host

/// The bearer tokens the client sends, read from the same env vars the server reads: the ones
/// named by `server.service_token_env` and `server.admin_secret_env` in the config the server
/// would load (`--config`, `$PROVISIONER_CONFIG`, `config/provisioner.yaml`, the embedded default).
struct ClientCredentials: Sendable, Equatable {
    /// The env var holding the service token.
    var serviceTokenEnv: String
    /// The env var holding the admin secret.
    var adminSecretEnv: String
    var serviceToken: String?
    var adminSecret: String?

    /// Reads the variable names from the config (the defaults when it cannot be read, with a
    /// warning through `warn`) and the tokens from `environment`.
    static func resolve(
        explicitConfig: String?, environment: [String: String], warn: (String) -> Void
    ) -> ClientCredentials {
        var server = ServerConfiguration()
        do {
            server = try ConfigSource.load(explicit: explicitConfig, environment: environment).server
        } catch {
            let source =
                ConfigSource.resolve(explicit: explicitConfig, environment: environment) ?? "the default config"
            warn(
                "warning: cannot read \(source) for the token variable names (\(error)); "
                    + "using \(server.serviceTokenEnv) and \(server.adminSecretEnv)")
        }
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        return ClientCredentials(
            serviceTokenEnv: server.serviceTokenEnv, adminSecretEnv: server.adminSecretEnv,
            serviceToken: value(server.serviceTokenEnv), adminSecret: value(server.adminSecretEnv))
    }

    /// The token `credential` takes.
    ///
    /// - Throws: ``ClientError/usage(_:)`` naming the env var when it is not set.
    func token(for credential: ProvisionerClient.Credential) throws -> String? {
        switch credential {
        case .none: return nil
        case .service:
            guard let serviceToken else {
                throw ClientError.usage(
                    "\(serviceTokenEnv) is not set; export the service token the server uses (the value `serve` "
                        + "printed, or the one you gave it)")
            }
            return serviceToken
        case .admin:
            guard let adminSecret else {
                throw ClientError.usage(
                    "\(adminSecretEnv) is not set; export the admin secret the server uses (the value `serve` "
                        + "printed, or the one you gave it)")
            }
            return adminSecret
        }
    }
}
