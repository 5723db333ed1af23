import Foundation

extension BenchFixtures {
    /// A config for the pool backend on PostgreSQL (the URL in the environment variable `urlEnv`),
    /// for one of several replicas: each gets its own worker `nodeID`, the rest as ``poolConfig``.
    static func postgresPoolConfig(poolFile: String, urlEnv: String, nodeID: String, in directory: URL, name: String)
        throws -> String
    {
        try write(
            """
            store: { kind: postgres, url_env: \(urlEnv) }
            provisioner:
              backend: pool
              pool: { file: \(poolFile), reuse: immediate }
            worker: { node_id: \(nodeID) }
            """, name: name, in: directory)
    }
}
