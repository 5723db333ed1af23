/// The fake pool's whole state: object tables, sessions, pending work, faults and counters.
///
/// A value type mutated only under ``FakeXAPI``'s lock. Time-driven changes (a start task
/// finishing, guest metrics appearing) are applied by ``advance(to:)`` at the next request, so
/// the fake runs no background work.
struct FakeXAPIState {
    typealias Record = [String: FakeValue]

    var options: FakeXAPIOptions
    /// class → ref → record.
    var tables: [String: [String: Record]] = [:]
    /// Refs seeded at start; the snapshot reports only what was created later.
    var seeded: Set<String> = []
    /// session ref → user.
    var sessions: [String: String] = [:]
    var faults: [FakeFault]
    /// Pending `Async.VM.start` tasks: task ref → (VM, when it completes, injected failure).
    var pendingStarts: [String: PendingStart] = [:]
    /// Running VMs whose guest agent has not reported yet: VM ref → when it will.
    var metricsDue: [String: ContinuousClock.Instant] = [:]
    var clonesInFlight = 0
    var peakOperationsInFlight = 0
    var callCounts: [String: Int] = [:]
    var addressCounter = 0
    /// Bytes uploaded with `PUT /import_raw_vdi`, per VDI ref.
    var vdiContents: [String: [UInt8]] = [:]
    /// Uploads accepted.
    var uploads = 0

    struct PendingStart {
        var vm: String
        var completesAt: ContinuousClock.Instant
        var injected: FakeXAPIError?
    }

    init(options: FakeXAPIOptions) {
        self.options = options
        self.faults = options.faults
        seed()
    }

    static func newRef() -> String { "OpaqueRef:" + newUUID() }

    static func newUUID() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = (0..<32).map { _ in String(generator.next() % 16, radix: 16) }.joined()
        let characters = Array(hex)
        let groups = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }
        return groups.joined(separator: "-")
    }

    func record(_ xapiClass: String, _ ref: String) throws(FakeXAPIError) -> Record {
        guard let record = tables[xapiClass]?[ref] else { throw .handleInvalid(xapiClass, ref) }
        return record
    }

    mutating func update(_ xapiClass: String, _ ref: String, _ change: (inout Record) throws(FakeXAPIError) -> Void)
        throws(FakeXAPIError)
    {
        var record = try record(xapiClass, ref)
        try change(&record)
        tables[xapiClass, default: [:]][ref] = record
    }

    @discardableResult
    mutating func insert(_ xapiClass: String, _ record: Record, ref: String = newRef()) -> String {
        var record = record
        if record["uuid"] == nil { record["uuid"] = .string(Self.newUUID()) }
        tables[xapiClass, default: [:]][ref] = record
        return ref
    }

    /// Operations counted against the task bound: clones being answered plus start tasks pending.
    mutating func notePeak(now: ContinuousClock.Instant) {
        let starts = pendingStarts.values.filter { $0.completesAt > now }.count
        peakOperationsInFlight = max(peakOperationsInFlight, clonesInFlight + starts)
    }

    /// Takes the next matching fault, counting down its `times`.
    mutating func takeFault(for method: String) -> FakeFault? {
        guard let index = faults.firstIndex(where: { $0.method == method }) else { return nil }
        let fault = faults[index]
        if let times = fault.times {
            if times <= 1 { faults.remove(at: index) } else { faults[index].times = times - 1 }
        }
        return fault
    }

    private mutating func seed() {
        let sr = insert(
            "SR",
            [
                "name_label": .string(options.srName), "name_description": "",
                "physical_size": .int(options.srSizeBytes),
                "physical_utilisation": 0, "virtual_allocation": 0, "type": "ext", "content_type": "user",
                "shared": false, "VDIs": [], "other_config": [:],
            ])
        insert(
            "pool",
            ["name_label": "fake-pool", "default_SR": .string(sr), "master": "", "other_config": [:]])
        let host = insert(
            "host",
            [
                "name_label": "xcp-host-1", "address": "127.0.0.1", "memory_total": .int(options.hostMemoryBytes),
                "enabled": true, "other_config": [:],
            ])
        for (ref, var pool) in tables["pool"] ?? [:] {
            pool["master"] = .string(host)
            tables["pool"]?[ref] = pool
        }
        insert(
            "network",
            [
                "name_label": .string(options.networkName), "bridge": "xenbr0", "MTU": 1500, "VIFs": [],
                "other_config": [:],
            ])
        insert(
            "VM",
            Self.vmRecord(name: "Control domain on host: xcp-host-1", template: false, memory: 4 << 30).merging(
                [
                    "is_control_domain": true, "power_state": "Running", "resident_on": .string(host),
                    "HVM_shadow_multiplier": .double(.nan),  // XAPI writes such fields as bare NaN
                ], uniquingKeysWith: { _, new in new }))
        var templateRecord = Self.vmRecord(name: options.templateName, template: true, memory: 512 << 20)
        if options.cloudImage { templateRecord["other_config"] = ["cloud_image": "true"] }
        let template = insert("VM", templateRecord)
        attachDisk(to: template, sr: sr, size: 2 << 30, name: "\(options.templateName) disk")
        // Same name label, but not templates: a VM and a snapshot the template lookup must skip.
        insert("VM", Self.vmRecord(name: options.templateName, template: false, memory: 512 << 20))
        insert(
            "VM",
            Self.vmRecord(name: options.templateName, template: true, memory: 512 << 20).merging(
                ["is_a_snapshot": true], uniquingKeysWith: { _, new in new }))
        for table in tables.values { seeded.formUnion(table.keys) }
    }

    static func vmRecord(name: String, template: Bool, memory: Int64) -> Record {
        [
            "name_label": .string(name), "name_description": "", "is_a_template": .bool(template),
            "is_default_template": false, "is_a_snapshot": false, "is_control_domain": false,
            "power_state": "Halted", "VCPUs_max": 1, "VCPUs_at_startup": 1, "memory_static_min": .int(memory / 2),
            "memory_static_max": .int(memory), "memory_dynamic_min": .int(memory), "memory_dynamic_max": .int(memory),
            "other_config": [:], "xenstore_data": [:], "VBDs": [], "VIFs": [], "guest_metrics": "OpaqueRef:NULL",
            "resident_on": "OpaqueRef:NULL", "blocked_operations": [:], "HVM_shadow_multiplier": .double(1.0),
        ]
    }

    /// Creates a VDI on `sr` and a Disk VBD attaching it to `vm`.
    @discardableResult
    mutating func attachDisk(
        to vm: String, sr: String, size: Int64, name: String, userdevice: String = "0", owner: Bool = false
    ) -> String {
        let vdi = insert(
            "VDI",
            [
                "name_label": .string(name), "name_description": "", "SR": .string(sr), "virtual_size": .int(size),
                "type": "user", "sharable": false, "read_only": false, "VBDs": [], "other_config": [:],
            ])
        try? update("SR", sr) { record in
            record["physical_utilisation"] = .int((record["physical_utilisation"]?.intValue ?? 0) + size)
            record["VDIs"] = .array((record["VDIs"]?.arrayValue ?? []) + [.string(vdi)])
        }
        let vbd = insert(
            "VBD",
            [
                "VM": .string(vm), "VDI": .string(vdi), "userdevice": .string(userdevice), "bootable": true,
                "mode": "RW", "type": "Disk", "empty": false, "currently_attached": false,
                "other_config": owner ? ["owner": "true"] : [:],
            ])
        try? update("VDI", vdi) { $0["VBDs"] = .array(($0["VBDs"]?.arrayValue ?? []) + [.string(vbd)]) }
        try? update("VM", vm) { $0["VBDs"] = .array(($0["VBDs"]?.arrayValue ?? []) + [.string(vbd)]) }
        return vbd
    }
}
