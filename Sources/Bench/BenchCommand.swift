import ArgumentParser
import Foundation
import Logging

/// `provisioner-bench`: measures the real release-built server against the machine's own limits,
/// all in one run, and prints a table and a JSON file.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provisioner-bench",
        abstract: "Benchmark the release-built provisioner against this machine's HTTP and durability ceilings.")

    @Flag(help: "Small counts and short phases (under 60 s): checks the harness works, not the targets.")
    var quick = false

    @Option(help: "The release-built server binary.")
    var server: String = ".build/release/provisioner"

    @Option(help: "Where to write the JSON results.")
    var output: String = "bench-results.json"

    @Option(help: "Seconds per load phase (default 4, 1 with --quick).")
    var phaseSeconds: Double?

    @Option(help: "Where to put stores and configs (default: a new temp directory, removed afterwards).")
    var workDirectory: String?

    @Option(help: "Run one group of phases only: pool-catalog (refreshPool under allocations, pool server idle RSS).")
    var only: String?

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let binary = URL(fileURLWithPath: server).standardizedFileURL.path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("no server binary at \(binary); run `swift build -c release --product provisioner` first")
        }
        let directory: URL
        if let workDirectory {
            directory = URL(fileURLWithPath: workDirectory)
        } else {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "provisioner-bench-\(UUID().uuidString.prefix(8))")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { if workDirectory == nil { try? FileManager.default.removeItem(at: directory) } }

        let plan = BenchPlan(quick: quick, phaseSeconds: phaseSeconds)
        if let only {
            guard only == "pool-catalog" else { throw BenchError("unknown --only '\(only)'; expected pool-catalog") }
            var runner = BenchRunner(binary: binary, directory: directory, plan: plan)
            print(try await runner.runPoolCatalog().poolCatalogTable)
            return
        }
        let clock = ContinuousClock()
        let start = clock.now
        var runner = BenchRunner(binary: binary, directory: directory, plan: plan)
        let report = try await runner.run()
        let elapsed = clock.now - start
        var final = report
        final.totalSeconds = elapsed.seconds
        final.targets = final.evaluatedTargets
        print(final.table())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(final).write(to: URL(fileURLWithPath: output))
        print("results: \(output) (\(String(format: "%.0f", elapsed.seconds)) s)")
        if let problems = final.postgresReplicas?.consistency.problems, !problems.isEmpty {
            throw BenchError(
                "PostgreSQL replicas left the database inconsistent:\n- " + problems.joined(separator: "\n- "))
        }
        if quick {
            let problems = final.sanityProblems()
            guard problems.isEmpty else {
                throw BenchError("quick run produced implausible numbers:\n- " + problems.joined(separator: "\n- "))
            }
            print("quick mode: all numbers sane")
        }
    }
}

/// How big each part of the run is.
struct BenchPlan: Sendable {
    var quick: Bool
    var phase: Duration
    var clientCounts: [Int]
    var poolSizes: [Int]
    var servingPoolSize: Int
    var allocationsPerCost: Int
    var refreshes: Int
    var activeAllocations: Int
    /// Orders timed with ``activeAllocations`` active allocations in the store.
    var ordersWithActiveAllocations: Int
    /// Sequential cycles whose commits are counted half by half.
    var budgetCycles: Int

    init(quick: Bool, phaseSeconds: Double?) {
        self.quick = quick
        phase = .milliseconds(Int((phaseSeconds ?? (quick ? 1 : 4)) * 1000))
        clientCounts = [1, 16, 64]
        poolSizes = quick ? [100, 1_000] : [100, 10_000, 100_000]
        servingPoolSize = quick ? 2_000 : 100_000
        allocationsPerCost = quick ? 100 : 500
        refreshes = quick ? 3 : 10
        activeAllocations = quick ? 2_000 : 100_000
        ordersWithActiveAllocations = quick ? 3 : 10
        budgetCycles = quick ? 5 : 20
    }
}
