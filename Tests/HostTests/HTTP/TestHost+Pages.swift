import Foundation
import Host
import HummingbirdTesting
import ProvisionerAPI
import Testing

extension TestHost {
    /// Stores a delivered allocation straight into the store, bypassing the API's validation, so
    /// pages can be fed hostile names and URLs.
    func storeDelivered(userID: String, hostname: String?, vm: (String) -> VmAllocation) async throws -> String {
        let store = dependencies.store
        let record = AllocationRecord(
            id: "vm-stored-\(UUID().uuidString.lowercased())", userID: userID,
            plan: HostConfiguration.defaultPlans["small"]!, backend: "simulated", isDemo: true, hostname: hostname,
            sshKeys: [], openPorts: [], metadata: [:], idempotencyKey: nil, requestFingerprint: nil, now: Date())
        let audit = AuditEvent(
            at: Date(), kind: "order.created", allocationID: record.id, userID: userID, actor: "test", requestID: nil)
        guard case .created = try await store.insertOrder(record, maxActivePaid: 0, audit: audit) else {
            throw TestFailure("order not stored")
        }
        // Leased far ahead at every step, so the worker never takes it.
        let lease = AllocationChange.Lease.set(owner: "test", expiresAt: Date().addingTimeInterval(3600))
        var paid = AllocationChange.state(.paid)
        paid.lease = lease
        var provisioning = AllocationChange.state(.provisioning)
        provisioning.lease = lease
        var delivered = AllocationChange.state(.provisioned)
        delivered.vm = vm(record.id)
        for (from, change) in [
            (LaunchProofStatus.paymentRequired, paid), (.paid, provisioning), (.provisioning, delivered),
        ] {
            guard
                case .applied = try await store.transition(
                    id: record.id, from: [from], change: change, journal: nil, audit: [])
            else { throw TestFailure("order not delivered: stuck at \(from)") }
        }
        return record.id
    }
}

/// Pulls the cells out of the pages' simple, generated HTML tables.
enum HTMLTable {
    /// The header cells' text.
    static func headers(_ html: String) -> [String] {
        guard let head = section(html, from: "<thead>", to: "</thead>") else { return [] }
        return matches(#"<th>(.*?)</th>"#, in: head)
    }

    /// Each body row's cells, as raw HTML.
    static func rows(_ html: String) -> [[String]] {
        guard let body = section(html, from: "<tbody>", to: "</tbody>") else { return [] }
        return matches(#"<tr>(.*?)</tr>"#, in: body).map { matches(#"<td[^>]*>(.*?)</td>"#, in: $0) }
    }

    private static func section(_ html: String, from start: String, to end: String) -> String? {
        guard let lower = html.range(of: start),
            let upper = html.range(of: end, range: lower.upperBound..<html.endIndex)
        else { return nil }
        return String(html[lower.upperBound..<upper.lowerBound])
    }

    private static func matches(_ pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
        let range = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: range).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }
}
