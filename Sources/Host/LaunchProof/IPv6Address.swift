import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The 16 bytes of an IPv6 address, so two spellings of one address compare equal
/// (`2001:db8::1` and `2001:0db8:0:0::1`).
struct IPv6Address: Hashable, Sendable, CustomStringConvertible {
    /// The address in network byte order.
    let bytes: [UInt8]

    /// Parses `text` with `inet_pton(AF_INET6)`; brackets (`[::1]`) are allowed, a zone (`%eth0`) is
    /// ignored.
    ///
    /// - Returns: `nil` when `text` is not an IPv6 address, or holds a NUL (where the C string
    ///   `inet_pton` reads would end, so "2001:db8::1\0junk" read as an address).
    init?(_ text: String) {
        guard !text.utf8.contains(0) else { return nil }
        var text = Substring(text.trimmingCharacters(in: .whitespaces))
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if let zone = text.firstIndex(of: "%") { text = text[..<zone] }
        var address = in6_addr()
        guard inet_pton(AF_INET6, String(text), &address) == 1 else { return nil }
        self.bytes = withUnsafeBytes(of: &address) { Array($0) }
    }

    /// The canonical text form, from `inet_ntop` (`2001:db8::1`).
    var description: String {
        var address = in6_addr()
        withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address, &text, socklen_t(text.count)) != nil else {
            return bytes.map { String($0, radix: 16) }.joined(separator: ".")
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
