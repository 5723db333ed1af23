import Logging
public import ProvisionerAPI

extension XCPNGProvisioner {
    /// The environment variable that must be `1` before this backend touches real infrastructure.
    public static let realInfraEnvironmentVariable = "HCP_LAUNCH_PROOF_REAL_XCPNG"

    /// The plugin entry the Host lists: builds the backend from `provisioner.xcpng`.
    ///
    /// The config is always decoded and checked. Unless ``realInfraEnvironmentVariable`` is `1`,
    /// the factory logs a loud warning and returns `demoFallback(context)` instead, a demo
    /// backend (`isDemo == true`) that creates nothing real; `provisioner.require_real` then
    /// refuses it in the Host. A plugin never imports another plugin, so the Host supplies the
    /// fallback.
    ///
    /// - Parameter demoFallback: Builds the demo backend run in place of XCP-ng.
    public static func plugin(
        demoFallback: @escaping @Sendable (BackendContext) throws -> any Provisioner
    ) -> BackendPlugin {
        BackendPlugin(kind: kind) { node, context in
            let configuration = try XCPNGProvisionerConfiguration(decoding: node)
            guard context.environment[realInfraEnvironmentVariable] == "1" else {
                context.logger.warning(
                    """
                    XCP-NG BACKEND NOT ACTIVE: \(realInfraEnvironmentVariable) is not 1, so no real VM will be \
                    created on \(configuration.url); running the SIMULATED demo backend instead \
                    (is_demo: true in every response). Set \(realInfraEnvironmentVariable)=1 to use the pool.
                    """)
                let fallback = try demoFallback(context)
                precondition(fallback.isDemo, "the XCP-ng demo fallback must be a demo backend")
                return fallback
            }
            for warning in configuration.startupWarnings { context.logger.warning("\(warning)") }
            func secret(_ name: String, _ key: String) throws -> String {
                guard let value = context.environment[name], !value.isEmpty else {
                    throw ConfigError(
                        node: node, message: "environment variable \(name) (named by \(key)) is not set or empty")
                }
                return value
            }
            let username = try secret(configuration.usernameEnv, "username_env")
            let password = try secret(configuration.passwordEnv, "password_env")
            return XCPNGProvisioner(
                configuration: configuration, username: username, password: password, logger: context.logger)
        }
    }
}
