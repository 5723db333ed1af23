import ArgumentParser
import FakeXAPI
import Hummingbird
import Logging

/// `fake-xapi`: a stateful fake XCP-ng pool master speaking XAPI JSON-RPC at `/jsonrpc` and XML-RPC
/// at `/` (so the XenAPI Python SDK works against it), with `PUT /import_raw_vdi`.
@main
struct FakeXAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-xapi",
        abstract: "A stateful fake XAPI (XCP-ng) server for local development and tests.",
        discussion: """
            Admin routes: GET /admin/state, POST /admin/faults {"method","error":[CODE,…],"latency_ms","times"}, \
            DELETE /admin/faults, POST /admin/expire-sessions, GET /admin/vdi/{ref} (uploaded bytes).
            """)

    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on (0 = any free port).") var port = 8090
    @Option(help: "The user allowed to log in.") var username = "root"
    @Option(help: "Its password.") var password = "secret"
    @Option(help: "The seeded template's name label.") var template = "debian-12-cloud"
    @Option(help: "The seeded network's name label.") var network = "pool-net"
    @Option(help: "The seeded SR's name label.") var sr = "Local storage"
    @Option(help: "Milliseconds after a start before the guest agent reports an IP (-1 = never).")
    var guestMetricsDelayMs = 1000
    @Option(help: "Milliseconds an Async.VM.start task stays pending.") var startDurationMs = 500
    @Option(help: "Act as a pool member: answer every call with HOST_IS_SLAVE [ADDRESS].") var memberOf: String?
    @Option(help: "Inject an error: METHOD=CODE[,PARAM…] (repeatable; VM.start fails start tasks).")
    var fault: [String] = []
    @Option(help: "Inject a delay: METHOD=MILLISECONDS (repeatable).") var latency: [String] = []
    @Flag(help: "Mark the template a cloud image: guest metrics appear only with a cidata config drive.")
    var cloudImage = false
    @Flag(help: "Answer PUT /import_raw_vdi with a 302 to /member/import_raw_vdi (no query), as for a member's SR.")
    var redirectUploads = false

    func run() async throws {
        var faults: [FakeFault] = []
        for spec in fault {
            let (method, value) = try Self.split(spec, "--fault")
            faults.append(FakeFault(method: method, error: value.split(separator: ",").map(String.init)))
        }
        for spec in latency {
            let (method, value) = try Self.split(spec, "--latency")
            guard let milliseconds = Int(value), milliseconds >= 0 else {
                throw ValidationError("--latency \(spec): expected METHOD=MILLISECONDS")
            }
            faults.append(FakeFault(method: method, latencyMilliseconds: milliseconds))
        }
        let options = FakeXAPIOptions(
            username: username, password: password, templateName: template, networkName: network, srName: sr,
            guestMetricsDelay: guestMetricsDelayMs < 0 ? nil : .milliseconds(guestMetricsDelayMs),
            startDuration: .milliseconds(max(0, startDurationMs)), masterAddress: memberOf, faults: faults,
            cloudImage: cloudImage, redirectUploads: redirectUploads)
        var logger = Logger(label: "fake-xapi")
        logger.logLevel = .info
        let listener = logger
        let app = FakeXAPIServer.application(FakeXAPI(options: options), host: host, port: port, logger: logger) {
            bound in
            let role = options.masterAddress.map { " as a pool member of \($0)" } ?? ""
            listener.info("fake-xapi listening on http://\(host):\(bound)/jsonrpc (user \(options.username))\(role)")
        }
        try await app.runService()
    }

    private static func split(_ spec: String, _ flag: String) throws -> (String, String) {
        let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ValidationError("\(flag) \(spec): expected METHOD=VALUE")
        }
        return (parts[0], parts[1])
    }
}
