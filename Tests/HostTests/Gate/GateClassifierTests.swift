import Testing

@testable import Host

struct GateClassifierTests {
    @Test(arguments: [
        ("restart_vm", OpProvenance.customerData, OpClass.benign),
        ("restart_vm", .unknown, .benign),
        ("purge_orphan", .failedAttempt, .benign),
        ("purge_orphan", .customerData, .destructive),
        ("purge_orphan", .unknown, .destructive),
        ("force_release", .failedAttempt, .benign),
        ("force_release", .customerData, .destructive),
        ("force_release", .unknown, .destructive),
        ("decommission_pool_vm", .failedAttempt, .destructive),
        ("decommission_pool_vm", .customerData, .destructive),
        ("return_quarantined", .failedAttempt, .destructive),
        ("return_quarantined", .unknown, .destructive),
        ("rotate_host_key", .unknown, .rotation),
        ("drop_database", .failedAttempt, .destructive),
        ("", .failedAttempt, .destructive),
        ("PURGE_ORPHAN", .failedAttempt, .destructive),
    ])
    func classByOpAndProvenance(op: String, provenance: OpProvenance, expected: OpClass) {
        #expect(GateClassifier.classify(op: op, provenance: provenance) == expected)
    }

    @Test func everyOpThisBuildRunsIsListedAndRotateHostKeyIsPlannedOnly() {
        #expect(
            GateOps.table.keys.sorted() == [
                "decommission_pool_vm", "force_release", "purge_orphan", "restart_vm", "return_quarantined",
            ])
        #expect(GateOps.planned == ["rotate_host_key"])
        #expect(GateOps.table["rotate_host_key"] == nil)
    }
}
