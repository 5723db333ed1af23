import Foundation
import Logging
public import ProvisionerAPI

extension PoolAssignmentProvisioner {
    /// The registry entry: kind `pool`, built from the `provisioner.pool` subtree.
    public static let plugin = BackendPlugin(kind: kind) { node, context in
        let configuration = try PoolAssignmentProvisionerConfiguration(decoding: node)
        let vms = try loadPool(configuration, node: node, environment: context.environment)
        guard let claims = context.claims else {
            throw ConfigError(node: node, message: "the pool backend needs a claim ledger, and the Host gave none")
        }
        if configuration.releaseHook == nil, configuration.reuse == .afterHook {
            context.logger.info("pool: no release_hook configured; released VMs return to the pool after logging")
        }
        context.logger.info("pool backend ready", metadata: ["pool.size": "\(vms.count)"])
        return PoolAssignmentProvisioner(
            configuration: configuration, vms: vms, ledger: claims, catalogStore: context.catalog,
            environment: context.environment, hostAvailability: context.hostAvailability)
    }

    /// Reads the pool from the first source that gives one: the env var, the file, the inline list.
    ///
    /// - Throws: ``ConfigError`` at the source key, naming the bad entry and field.
    static func loadPool(
        _ configuration: PoolAssignmentProvisionerConfiguration, node: ConfigNode?, environment: [String: String]
    ) throws -> [PoolVM] {
        let map = try node?.mapping(allowing: PoolAssignmentProvisionerConfiguration.Keys.self)
        if let json = environment[configuration.sourceEnv], !json.trimmingCharacters(in: .whitespaces).isEmpty {
            do {
                return try PoolCatalogJSON.decode(Data(json.utf8))
            } catch {
                throw ConfigError(
                    node: map?.node("source_env") ?? node,
                    message: "the pool in $\(configuration.sourceEnv) is invalid: \(error)")
            }
        }
        if let file = configuration.file {
            let fileNode = map?.node("file") ?? node
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ConfigError(node: fileNode, message: "cannot read the pool file '\(file)'")
            }
            do {
                return try PoolCatalogJSON.decode(data)
            } catch {
                throw ConfigError(node: fileNode, message: "the pool file '\(file)' is invalid: \(error)")
            }
        }
        if let inline = configuration.inlineVMs { return inline }
        throw ConfigError(
            node: node,
            message:
                "the pool backend has no pool: set $\(configuration.sourceEnv), provisioner.pool.file or provisioner.pool.vms"
        )
    }
}
