/// What the fake holds beyond its seeded objects, for tests to assert on ("no VM and no VDI left").
public struct FakeXAPISnapshot: Sendable, Hashable, Codable {
    /// One VM created after start.
    public struct VM: Sendable, Hashable, Codable {
        /// Its ref.
        public var ref: String
        /// Its UUID.
        public var uuid: String
        /// Its name label.
        public var nameLabel: String
        /// `Halted`, `Running`, ...
        public var powerState: String
        /// Whether it is (still) a template.
        public var isTemplate: Bool
        /// Its `other_config`.
        public var otherConfig: [String: String]
        /// Its `xenstore_data`.
        public var xenstoreData: [String: String]
        /// VCPUs at startup.
        public var vcpus: Int64
        /// `memory_static_max`.
        public var memoryBytes: Int64
        /// Its VIFs' device numbers.
        public var vifDevices: [String]
    }

    /// VMs created after start (clones, including ones still flagged as templates).
    public var vms: [VM]
    /// Refs of VDIs created after start.
    public var vdis: [String]
    /// Refs of VBDs created after start.
    public var vbds: [String]
    /// Tasks not destroyed.
    public var tasks: Int
    /// Open sessions.
    public var sessions: Int
    /// The most clone and start operations that were ever in flight at once.
    public var peakOperationsInFlight: Int
    /// Calls answered, per method.
    public var callCounts: [String: Int]
    /// Faults still armed.
    public var faults: [FakeFault]
    /// Name labels of the VDIs created after start, by ref (`cidata` for config drives).
    public var vdiLabels: [String: String]
    /// Raw images accepted by `PUT /import_raw_vdi`.
    public var uploads: Int
}

extension FakeXAPIState {
    func snapshot() -> FakeXAPISnapshot {
        let vms = (tables["VM"] ?? [:]).filter { !seeded.contains($0.key) }.map { ref, record in
            FakeXAPISnapshot.VM(
                ref: ref, uuid: record["uuid"]?.stringValue ?? "", nameLabel: record["name_label"]?.stringValue ?? "",
                powerState: record["power_state"]?.stringValue ?? "",
                isTemplate: record["is_a_template"]?.boolValue ?? false,
                otherConfig: record["other_config"]?.stringMap ?? [:],
                xenstoreData: record["xenstore_data"]?.stringMap ?? [:],
                vcpus: record["VCPUs_at_startup"]?.intValue ?? 0,
                memoryBytes: record["memory_static_max"]?.intValue ?? 0,
                vifDevices: (record["VIFs"]?.stringArray ?? []).compactMap {
                    tables["VIF"]?[$0]?["device"]?.stringValue
                }
                .sorted())
        }.sorted { $0.nameLabel < $1.nameLabel }
        func created(_ xapiClass: String) -> [String] {
            (tables[xapiClass] ?? [:]).keys.filter { !seeded.contains($0) }.sorted()
        }
        return FakeXAPISnapshot(
            vms: vms, vdis: created("VDI"), vbds: created("VBD"), tasks: tables["task"]?.count ?? 0,
            sessions: sessions.count, peakOperationsInFlight: peakOperationsInFlight, callCounts: callCounts,
            faults: faults,
            vdiLabels: Dictionary(
                uniqueKeysWithValues: created("VDI").map { ($0, tables["VDI"]?[$0]?["name_label"]?.stringValue ?? "") }),
            uploads: uploads)
    }
}
