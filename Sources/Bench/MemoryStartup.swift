import Foundation
import GRDB

/// Resident memory and the seeding of a store with many active allocations.
enum MemoryStartup {
    static func megabytes(_ bytes: Int?) -> Double { Double(bytes ?? 0) / 1_048_576 }

    /// Copies the one allocation (and its pool claim) in the store `count - 1` times, each with its
    /// own id, user and pool VM, so the store holds `count` active (provisioned) allocations.
    static func populate(storePath: String, template: String, count: Int) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        let pool = try DatabasePool(path: storePath, configuration: configuration)
        defer { try? pool.close() }
        try pool.write { db in
            let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(allocations)").map { $0["name"] as String }
            guard
                let templateRef = try String.fetchOne(
                    db, sql: "SELECT resource FROM resource_claims WHERE allocation_id = ?", arguments: [template])
            else { throw BenchError("the template allocation holds no pool claim") }
            let expressions = columns.map { column -> String in
                switch column {
                case "id": return "?1"
                case "user_id": return "?2"
                case "idempotency_key", "request_fingerprint": return "NULL"
                case "vm": return "replace(vm, '\"\(templateRef)\"', '\"' || ?3 || '\"')"
                default: return column
                }
            }
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO allocations (\(columns.joined(separator: ", ")))
                    SELECT \(expressions.joined(separator: ", ")) FROM allocations WHERE id = ?4
                    """)
            // The template's claim is read once: `resource_claims` is keyed by (namespace, …), so
            // selecting it by allocation id alone would scan the growing table on every copy.
            guard
                let templateClaim = try Row.fetchOne(
                    db,
                    sql:
                        "SELECT namespace, state, note, claimed_at, updated_at FROM resource_claims WHERE allocation_id = ?",
                    arguments: [template])
            else { throw BenchError("the template allocation holds no pool claim") }
            let claim = try db.makeStatement(
                sql: """
                    INSERT INTO resource_claims (namespace, resource, allocation_id, state, note, claimed_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
            var written = 1
            var index = 0
            while written < count {
                let ref = BenchFixtures.poolVMID(index)
                index += 1
                if ref == templateRef { continue }
                let id = "vm-bulk-\(index)"
                try insert.execute(arguments: [id, "bulk-user-\(index)", ref, template])
                try claim.execute(arguments: [
                    templateClaim["namespace"], ref, id, templateClaim["state"], templateClaim["note"],
                    templateClaim["claimed_at"], templateClaim["updated_at"],
                ])
                written += 1
            }
        }
    }
}
