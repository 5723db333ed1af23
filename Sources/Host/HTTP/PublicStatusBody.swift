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

    /// A JSON string with ``JSONValue``'s escaping: quotes, backslashes, control characters and
    /// `<`, `>`, `&` (safe to embed anywhere); everything else as its UTF-8 bytes.
    static func writeString(_ value: String, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { bytes in
            var start = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x3C || byte == 0x3E || byte == 0x26
                else { continue }
                buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<index]))
                start = index + 1
                switch byte {
                case 0x22: buffer.writeStaticString("\\\"")
                case 0x5C: buffer.writeStaticString("\\\\")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                case 0x3C: buffer.writeStaticString("\\u003c")
                case 0x3E: buffer.writeStaticString("\\u003e")
                case 0x26: buffer.writeStaticString("\\u0026")
                default:
                    let hex: StaticString = "0123456789abcdef"
                    buffer.writeStaticString("\\u00")
                    buffer.writeInteger(hex.utf8Start[Int(byte >> 4)])
                    buffer.writeInteger(hex.utf8Start[Int(byte & 0x0F)])
                }
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<bytes.count]))
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}
