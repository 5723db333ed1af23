import Foundation
import NIOCore
import ProvisionerAPI
import Testing

@testable import Host

/// The public status fast path (issue 13): the columns the stores read and the bytes
/// ``PublicStatusBody`` writes are exactly what the whole record through ``AllocationViews``
/// gives, for every launch-proof state, on SQLite and PostgreSQL.
struct StorePublicStatusTests {
    /// A customer message with everything the JSON escaping treats specially, and more.
    static let awkwardMessage = "Quote \" backslash \\ <b>&amp;</b>\n\r\t\u{01}\u{1F} caf\u{E9} \u{1F680} end"

    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.allCases)
    func fastPathBodyEqualsTheViewForEveryState(_ kind: StoreKind) async throws {
        try await withStore(kind) { store in
            for (index, state) in LaunchProofStatus.allCases.enumerated() {
                var record = StoreFixture.order(
                    id: "vm-\(state.rawValue)", paid: index % 2 == 0,
                    createdAt: Date(timeIntervalSince1970: 1_764_250_280.123 + Double(index) * 86_399.9997))
                record.state = state
                record.paymentStatus = PaymentStatus.allCases[index % PaymentStatus.allCases.count]
                record.dnsAAAA = CheckStatus.allCases[index % CheckStatus.allCases.count]
                record.sshSmoke = CheckStatus.allCases[(index + 1) % CheckStatus.allCases.count]
                record.rollbackAvailable = index % 3 == 0
                record.isDemo = index % 2 == 1
                record.customerMessage = index == 0 ? Self.awkwardMessage : CustomerMessages.text(for: state)
                record.updatedAt = record.createdAt.addingTimeInterval(Double(index) * 0.0015)
                try await StoreFixture.insert(record, into: store)

                let stored = try #require(try await store.allocation(id: record.id))
                #expect(stored.state == state)
                let fast = try #require(try await store.publicStatus(id: record.id))
                #expect(fast == PublicStatusRecord(stored))
                let body = String(buffer: PublicStatusBody.make(fast))
                #expect(body == AllocationViews.publicStatus(stored).serialized)
            }
            #expect(try await store.publicStatus(id: "vm-nope") == nil)
            #expect(try await store.publicStatus(id: "") == nil)
        }
    }

    @Test func timestampBytesMatchTheFoundationFormatter() {
        var generator = SystemRandomNumberGenerator()
        var instants: [Double] = [
            0, 0.0005, 0.9995, 0.999_999, 1.0005, 1_764_250_280.123, 1_764_250_280.9995, 951_782_400.5,  // 2000-02-29
            4_107_542_399.999, 253_402_300_799.998, 978_307_200, 978_307_199.999,
        ]
        for _ in 0..<20_000 {
            instants.append(Double.random(in: 0...4_102_444_800, using: &generator))
            instants.append(Double(Int.random(in: 1_600_000_000_000...1_900_000_000_000, using: &generator)) / 1000)
        }
        var mismatches: [String] = []
        for seconds in instants {
            let date = Date(timeIntervalSince1970: seconds)
            var buffer = ByteBuffer()
            TimestampBytes.write(date, into: &buffer)
            let fast = String(buffer: buffer)
            let foundation = JSONValue.timestamp(date)
            if fast != foundation { mismatches.append("\(seconds): \(fast) != \(foundation)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test func stringEscapingMatchesTheJSONValueWriter() {
        var every = (0..<0x80).map { String(UnicodeScalar(UInt8($0))) }
        every += ["", "é", "\u{2028}", "\u{1F680}", "a\"b\\c<d>e&f", Self.awkwardMessage]
        for text in every {
            var buffer = ByteBuffer()
            PublicStatusBody.writeString(text, into: &buffer)
            #expect(String(buffer: buffer) == JSONValue.string(text).serialized, "\(Array(text.unicodeScalars))")
        }
    }
}
