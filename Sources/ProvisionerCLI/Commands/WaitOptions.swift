import ArgumentParser

/// The options of commands that can wait for a VM (`--wait`, `--watch`).
struct WaitOptions: ParsableArguments {
    @Option(help: "Give up waiting after this many seconds (exit 1).")
    var timeout: Int = 900

    @Option(
        name: .customLong("poll-ms"), help: ArgumentHelp("Milliseconds between looks at the VM.", visibility: .hidden))
    var pollMilliseconds: Int = 200

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be at least 1 second; got \(timeout)") }
        guard (10...60_000).contains(pollMilliseconds) else {
            throw ValidationError("--poll-ms must be 10-60000; got \(pollMilliseconds)")
        }
    }

    /// A waiter over `client` with these options.
    func waiter(_ client: ProvisionerClient) -> VMWaiter {
        VMWaiter(client: client, interval: .milliseconds(pollMilliseconds), timeout: .seconds(timeout))
    }
}
