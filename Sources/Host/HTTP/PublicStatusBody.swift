import Foundation
public import NIOCore

/// The body of `GET /v1/vm/{id}/status`, written straight into one pre-sized buffer.
///
/// The same bytes as ``AllocationViews/publicStatus(_:)`` serialized through ``JSONValue`` (same
/// fields, order, escaping and timestamp format; a test compares them for every state), without
/// the intermediate values, strings and the Foundation date formatter on the hottest route.
public enum PublicStatusBody {
    /// The body for `status`.
    public static func make(_ status: PublicStatusRecord) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(320 + status.id.utf8.count + status.customerMessage.utf8.count)
        buffer.writeStaticString("{\"vm_id\":")
        writeString(status.id, into: &buffer)
        buffer.writeStaticString(",\"launch_proof_status\":")
        writeString(status.state.rawValue, into: &buffer)
        buffer.writeStaticString(",\"payment_status\":")
        writeString(status.paymentStatus.rawValue, into: &buffer)
        buffer.writeStaticString(",\"dns_aaaa_verified\":")
        writeString(status.dnsAAAA.rawValue, into: &buffer)
        buffer.writeStaticString(",\"ssh_smoke_status\":")
        writeString(status.sshSmoke.rawValue, into: &buffer)
        buffer.writeStaticString(
            status.rollbackAvailable ? ",\"rollback_available\":true" : ",\"rollback_available\":false")
        buffer.writeStaticString(",\"customer_message\":")
        writeString(status.customerMessage, into: &buffer)
        buffer.writeStaticString(status.isDemo ? ",\"is_demo\":true" : ",\"is_demo\":false")
        buffer.writeStaticString(",\"updated_at\":\"")
        TimestampBytes.write(status.updatedAt, into: &buffer)
        buffer.writeStaticString("\"}")
        return buffer
    }

    /// A JSON string escaped as ``JSONEscape`` says, written byte by byte: only ASCII bytes are
    /// ever escaped, so the bytes of a multi-byte character pass through as they are.
    static func writeString(_ value: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { bytes in
            var start = 0
            for index in 0..<bytes.count {
                guard let escaped = JSONEscape.sequence(for: bytes[index]) else { continue }
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<index]))
                start = index + 1
                buffer.writeString(escaped)
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<bytes.count]))
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}
