import Host
import NIOCore
import NIOPosix
import Testing

struct SSHBannerCheckTests {
    private let check = SSHBannerCheck(timeout: .seconds(5))

    @Test(.timeLimit(.minutes(1)), arguments: ["SSH-2.0-TestServer_1.0\r\n", "SSH-1.99-OldServer\n"])
    func sshBannerPasses(banner: String) async throws {
        let measurement = try await withLoopbackServer(.send(banner)) { server in
            await check.measure(host: "127.0.0.1", port: server.port)
        }
        #expect(measurement.status == .passed)
        #expect(measurement.measuredAt != nil)
        let expectedLine = banner.trimmingSuffix("\r\n").trimmingSuffix("\n")
        #expect(measurement.detail == "connected, banner '\(expectedLine)'")
    }

    @Test(.timeLimit(.minutes(1)))
    func bannerFollowedByCloseStillPasses() async throws {
        let measurement = try await withLoopbackServer(.sendThenClose("SSH-2.0-Quick\r\n")) { server in
            await check.measure(host: "127.0.0.1", port: server.port)
        }
        #expect(measurement.status == .passed)
    }

    @Test(.timeLimit(.minutes(1)))
    func ipv6LoopbackLiteralWorks() async throws {
        let measurements: (plain: CheckMeasurement, bracketed: CheckMeasurement)
        do {
            measurements = try await withLoopbackServer(host: "::1", .send("SSH-2.0-TestServer_1.0\r\n")) { server in
                (
                    await check.measure(host: "::1", port: server.port),
                    await check.measure(host: "[::1]", port: server.port)
                )
            }
        } catch {
            try Test.cancel("IPv6 loopback is unavailable: \(error)")
        }
        #expect(measurements.plain.status == .passed)
        #expect(measurements.bracketed.status == .passed)
    }

    @Test(.timeLimit(.minutes(1)))
    func httpResponseIsNotSSH() async throws {
        let measurement = try await withLoopbackServer(.send("HTTP/1.1 400 Bad Request\r\n")) { server in
            await check.measure(host: "127.0.0.1", port: server.port)
        }
        #expect(measurement.status == .failed)
        #expect(measurement.measuredAt != nil)
        #expect(measurement.detail == "banner 'HTTP/1.1 400 Bad Request' is not SSH")
    }

    @Test(.timeLimit(.minutes(1)))
    func controlCharactersAndLongBannersAreQuotedSafely() async throws {
        let garbage = "\u{1B}[31m" + String(repeating: "x", count: 200) + "\n"
        let measurement = try await withLoopbackServer(.send(garbage)) { server in
            await check.measure(host: "127.0.0.1", port: server.port)
        }
        #expect(measurement.status == .failed)
        let detail = try #require(measurement.detail)
        #expect(detail.hasPrefix("banner '\\u{1B}[31mxxx"))
        #expect(detail.hasSuffix("…' is not SSH"))
        #expect(!detail.contains("\u{1B}"))
    }

    @Test(.timeLimit(.minutes(1)))
    func lineWithoutEndWithinTheLimitFails() async throws {
        let measurement = try await withLoopbackServer(.send(String(repeating: "S", count: 300))) { server in
            await check.measure(host: "127.0.0.1", port: server.port)
        }
        #expect(measurement.status == .failed)
        #expect(measurement.detail?.hasPrefix("no end of line in the first 255 bytes") == true)
    }

    @Test(.timeLimit(.minutes(1)))
    func closedPortIsRefused() async throws {
        let port = try await closedLoopbackPort()
        let measurement = await check.measure(host: "127.0.0.1", port: port)
        #expect(measurement.status == .failed)
        #expect(measurement.measuredAt != nil)
        #expect(measurement.detail == "connection refused")
    }

    @Test(.timeLimit(.minutes(1)))
    func silentServerTimesOutAndIsDisconnected() async throws {
        let check = SSHBannerCheck(timeout: .seconds(2))
        let clock = ContinuousClock()
        let (measurement, elapsed) = try await withLoopbackServer(.silent) { server in
            let start = clock.now
            let measurement = await check.measure(host: "127.0.0.1", port: server.port)
            let elapsed = clock.now - start
            // The probe closed its connection: the server sees it go away.
            var closed = server.connectionsClosed.makeAsyncIterator()
            #expect(await closed.next() != nil)
            return (measurement, elapsed)
        }
        #expect(measurement.status == .failed)
        #expect(measurement.detail == "connected, but no banner within 2.0 s")
        #expect(elapsed >= .milliseconds(250))
        // Far below the TCP stack's own timeouts (minutes), with room for a loaded machine: a
        // full parallel run once took 5.8 s here.
        #expect(elapsed < .seconds(30))
    }

    @Test(.timeLimit(.minutes(1)))
    func partialLineThenSilenceTimesOut() async throws {
        let check = SSHBannerCheck(timeout: .seconds(2))
        let measurement = try await withLoopbackServer(.send("SSH-2.")) { server in
            await check.measure(host: "127.0.0.1", port: server.port)
        }
        #expect(measurement.status == .failed)
        #expect(measurement.detail == "connected, but no complete banner line within 2.0 s (got 'SSH-2.')")
    }

    @Test(.timeLimit(.minutes(1)))
    func immediateCloseFails() async throws {
        let measurement = try await withLoopbackServer(.closeImmediately) { server in
            await check.measure(host: "127.0.0.1", port: server.port)
        }
        #expect(measurement.status == .failed)
        #expect(measurement.detail == "connection closed without a banner")
    }

    @Test(.timeLimit(.minutes(1)))
    func closeAfterAPartialLineFails() async throws {
        let measurement = try await withLoopbackServer(.sendThenClose("SSH-2.0-NoNewline")) { server in
            await check.measure(host: "127.0.0.1", port: server.port)
        }
        #expect(measurement.status == .failed)
        #expect(measurement.detail == "connection closed after 'SSH-2.0-NoNewline' without a complete banner line")
    }

    @Test(arguments: [nil, "", "  "] as [String?])
    func missingHostIsNotRun(host: String?) async {
        #expect(await check.measure(host: host, port: 22) == .notRun)
    }

    @Test(arguments: [0, -1, 65_536])
    func portOutsideTCPRangeFails(port: Int) async {
        let measurement = await check.measure(host: "127.0.0.1", port: port)
        #expect(measurement.status == .failed)
        #expect(measurement.detail == "port \(port) is not a TCP port")
    }

    @Test(.timeLimit(.minutes(1)))
    func unresolvableHostFails() async {
        let measurement = await check.measure(host: "nonexistent.invalid", port: 22)
        #expect(measurement.status == .failed)
        #expect(measurement.detail?.hasPrefix("could not resolve 'nonexistent.invalid'") == true)
    }

    @Test(.timeLimit(.minutes(1)))
    func manyConcurrentChecksAllFinish() async throws {
        let results = try await withLoopbackServer(.send("SSH-2.0-TestServer_1.0\r\n")) { server in
            await withTaskGroup(of: CheckStatus.self) { group in
                for _ in 0..<32 {
                    group.addTask { await check.measure(host: "127.0.0.1", port: server.port).status }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(results == Array(repeating: .passed, count: 32))
    }

    @Test(.timeLimit(.minutes(1)))
    func cancellingTheCallerIsNotRun() async throws {
        let check = SSHBannerCheck(timeout: .seconds(30))
        let measurement = try await withLoopbackServer(.silent) { server in
            let task = Task { await check.measure(host: "127.0.0.1", port: server.port) }
            task.cancel()
            return await task.value
        }
        #expect(measurement.status == .notRun)
        #expect(measurement.measuredAt == nil)
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
