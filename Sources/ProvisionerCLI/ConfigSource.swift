import Foundation
import Host
import ProvisionerAPI

/// Which config file a command uses: an explicit path, `PROVISIONER_CONFIG`, `config/provisioner.yaml`
/// when it exists, or the embedded default.
struct ConfigSource {
    static let environmentVariable = "PROVISIONER_CONFIG"
    static let defaultPath = "config/provisioner.yaml"

    static func resolve(explicit: String?, environment: [String: String]) -> String? {
        if let explicit { return explicit }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty { return fromEnvironment }
        if FileManager.default.fileExists(atPath: defaultPath) { return defaultPath }
        return nil
    }

    static func load(explicit: String?, environment: [String: String]) throws -> HostConfiguration {
        let path = resolve(explicit: explicit, environment: environment)
        return try ConfigLoader(backendKinds: LinkedBackends.registry.kinds).load(path: path)
    }
}
