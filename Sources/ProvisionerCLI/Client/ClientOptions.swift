import ArgumentParser
import AsyncHTTPClient
import Foundation

/// How `--output` prints an answer.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// Aligned text for a person.
    case table
    /// The API's JSON as the server sent it.
    case json
}

/// The options every client subcommand takes: which server, which config names the token
/// variables, and how to print.
struct ClientOptions: ParsableArguments {
    /// The env var holding the default server URL.
    static let serverEnvironmentVariable = "PROVISIONER_URL"
    /// The server when neither `--server` nor `$PROVISIONER_URL` is given.
    static let defaultServer = "http://127.0.0.1:8080"

    @Option(help: "The server's URL (default: $PROVISIONER_URL, then http://127.0.0.1:8080).")
    var server: String?

    @Option(help: "How to print the answer: table (for people) or json (the API's JSON).")
    var output: OutputFormat = .table

    @Option(
        help: ArgumentHelp(
            "The config whose server.service_token_env / admin_secret_env name the token variables.",
            discussion: "Default: $PROVISIONER_CONFIG, then config/provisioner.yaml, then the embedded default "
                + "(PROVISIONER_SERVICE_TOKEN, PROVISIONER_ADMIN_SECRET)."))
    var config: String?

    /// The server URL these options select.
    func serverURL(environment: [String: String]) -> String {
        if let server { return server }
        if let fromEnvironment = environment[Self.serverEnvironmentVariable], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return Self.defaultServer
    }

    /// The environment the client reads its server and tokens from: the process's, or a test's.
    @TaskLocal static var environment = ProcessInfo.processInfo.environment

    /// A client for the selected server with the tokens from the environment.
    func makeClient(httpClient: HTTPClient, environment: [String: String] = ClientOptions.environment) throws
        -> ProvisionerClient
    {
        let console = ConsoleOutput.current
        let credentials = ClientCredentials.resolve(
            explicitConfig: config, environment: environment, warn: { console.errorLine($0) })
        return try ProvisionerClient(
            server: serverURL(environment: environment), credentials: credentials, httpClient: httpClient)
    }
}
