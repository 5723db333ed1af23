import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Resolves AAAA records with the system resolver (`getaddrinfo`, `AF_INET6`), as the VM's users would.
///
/// `getaddrinfo` blocks, so each lookup runs on `NIOThreadPool.singleton`, never on the cooperative
/// pool. Addresses come back in `inet_ntop` form, without duplicates, in the resolver's order.
public struct SystemAAAAResolver: AAAAResolving {
    /// How long a lookup may take before it counts as failed.
    public var timeout: Duration

    /// Creates a resolver whose lookups give up after `timeout`.
    public init(timeout: Duration = .seconds(5)) {
        self.timeout = timeout
    }

    /// The IPv6 addresses `hostname` resolves to.
    ///
    /// A blocking `getaddrinfo` cannot be cancelled, so the lookup and a timer race on an event
    /// loop and the first to finish answers; a lookup that loses finishes on the thread pool alone.
    ///
    /// - Throws: ``AAAAResolutionError`` with `gai_strerror`'s text when the lookup fails, including
    ///   when the name does not exist or has no IPv6 address (`EAI_NONAME`, `EAI_NODATA`), or when
    ///   it takes longer than ``timeout``.
    public func resolveAAAA(_ hostname: String) async throws -> [String] {
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        let promise = eventLoop.makePromise(of: [String].self)
        let lookup = NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) {
            try Self.blockingResolve(hostname).map(\.description)
        }
        // Both callbacks run on `eventLoop`; the loop-bound flag makes the first one win.
        let answered = NIOLoopBoundBox.makeBoxSendingValue(false, eventLoop: eventLoop)
        let timer = eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            guard !answered.value else { return }
            answered.value = true
            promise.fail(AAAAResolutionError(hostname: hostname, reason: "no answer within \(timeout)"))
        }
        lookup.whenComplete { result in
            guard !answered.value else { return }
            answered.value = true
            timer.cancel()
            promise.completeWith(result)
        }
        return try await promise.futureResult.get()
    }

    /// Calls `getaddrinfo` on the calling thread.
    private static func blockingResolve(_ hostname: String) throws(AAAAResolutionError) -> [IPv6Address] {
        var hints = addrinfo()
        hints.ai_family = AF_INET6
        #if canImport(Darwin)
            hints.ai_socktype = SOCK_STREAM
        #else
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(hostname, nil, &hints, &list)
        let systemErrno = errno
        guard code == 0 else {
            throw AAAAResolutionError(hostname: hostname, reason: reasonText(code, errno: systemErrno))
        }
        defer { freeaddrinfo(list) }

        var addresses: [IPv6Address] = []
        var entry = list
        while let current = entry?.pointee {
            if current.ai_family == AF_INET6, let socketAddress = current.ai_addr {
                let text = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    SocketAddress($0.pointee, host: hostname).ipAddress
                }
                if let address = text.flatMap(IPv6Address.init), !addresses.contains(address) {
                    addresses.append(address)
                }
            }
            entry = current.ai_next
        }
        return addresses
    }

    /// `gai_strerror`'s text for `code`, with `errno`'s text for `EAI_SYSTEM`.
    private static func reasonText(_ code: Int32, errno systemErrno: Int32) -> String {
        if code == EAI_SYSTEM, let text = strerror(systemErrno) {
            return String(cString: text)
        }
        guard let text = gai_strerror(code) else { return "getaddrinfo error \(code)" }
        return String(cString: text)
    }
}
