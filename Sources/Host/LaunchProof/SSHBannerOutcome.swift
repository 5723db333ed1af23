import Foundation
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// What one SSH banner probe saw, before it is judged.
enum SSHBannerOutcome: Sendable {
    /// The first line, up to and including its `\n`.
    case line([UInt8])
    /// ``SSHBannerCheck/maximumLineLength`` bytes arrived without a `\n`.
    case lineTooLong([UInt8])
    /// The peer closed the connection after sending these bytes and no `\n`.
    case closed(received: [UInt8])
    /// The host name could not be resolved to an address.
    case resolveFailed(any Error)
    /// The TCP connection could not be made.
    case connectFailed(any Error)
    /// The connection failed while the banner was awaited.
    case readFailed(any Error)
    /// The deadline passed; `connected` says whether the TCP connection was made.
    case timedOut(connected: Bool, received: [UInt8])
    /// The calling task was cancelled before an outcome.
    case cancelled

    /// Judges the outcome: passed only for an `SSH-2.0-` (or `SSH-1.99-`) identification line.
    ///
    /// - Parameters:
    ///   - host: The host that was probed, for the detail.
    ///   - timeout: The check's timeout, for the detail.
    func measurement(host: String, timeout: Duration) -> CheckMeasurement {
        switch self {
        case .line(let bytes):
            let line = Self.quoted(bytes)
            if bytes.starts(with: Array("SSH-2.0-".utf8)) || bytes.starts(with: Array("SSH-1.99-".utf8)) {
                return .passed("connected, banner '\(line)'")
            }
            return .failed("banner '\(line)' is not SSH")
        case .lineTooLong(let bytes):
            return .failed(
                "no end of line in the first \(bytes.count) bytes ('\(Self.quoted(bytes))'), not an SSH banner")
        case .closed(let received) where received.isEmpty:
            return .failed("connection closed without a banner")
        case .closed(let received):
            return .failed("connection closed after '\(Self.quoted(received))' without a complete banner line")
        case .resolveFailed(let error):
            return .failed("could not resolve '\(host)': \(error)")
        case .connectFailed(let error):
            return .failed(Self.describeConnectError(error, timeout: timeout))
        case .readFailed(let error):
            return .failed("connection failed while waiting for the banner: \(error)")
        case .timedOut(connected: false, _):
            return .failed("no connection within \(Self.seconds(timeout))")
        case .timedOut(connected: true, let received) where received.isEmpty:
            return .failed("connected, but no banner within \(Self.seconds(timeout))")
        case .timedOut(connected: true, let received):
            return .failed(
                "connected, but no complete banner line within \(Self.seconds(timeout)) (got '\(Self.quoted(received))')"
            )
        case .cancelled:
            return CheckMeasurement(status: .notRun, measuredAt: nil, detail: "cancelled before it was measured")
        }
    }

    /// `connection refused`, `no connection within 2.0 s`, or the error's own text.
    private static func describeConnectError(_ error: any Error, timeout: Duration) -> String {
        if let error = error as? IOError {
            if error.errnoCode == ECONNREFUSED { return "connection refused" }
            return "connection failed: \(String(cString: strerror(error.errnoCode)))"
        }
        if case .connectTimeout = error as? ChannelError {
            return "no connection within \(seconds(timeout))"
        }
        return "connection failed: \(error)"
    }

    /// Received bytes as printable text: no line ending, control characters escaped, at most 80
    /// characters.
    static func quoted(_ bytes: [UInt8]) -> String {
        var trimmed = bytes[...]
        while let last = trimmed.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") {
            trimmed = trimmed.dropLast()
        }
        var text = ""
        for scalar in String(decoding: trimmed, as: UTF8.self).unicodeScalars {
            if scalar.properties.generalCategory == .control {
                text += scalar.escaped(asASCII: true)
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        return text.count > 80 ? text.prefix(80) + "…" : text
    }

    /// `2.0 s`, `0.3 s`, `0.25 s`.
    static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000).0 s" }
        return "\(Double(milliseconds) / 1000) s"
    }
}
