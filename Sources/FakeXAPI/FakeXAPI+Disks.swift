import Synchronization

extension FakeXAPI {
    /// Stores an uploaded raw image (`PUT /import_raw_vdi`).
    func importRawVDI(session: String, vdi: String, bytes: [UInt8]) -> FakeXAPIError? {
        state.withLock { state in
            state.callCounts["PUT /import_raw_vdi", default: 0] += 1
            do throws(FakeXAPIError) {
                try state.importRawVDI(session: session, vdi: vdi, bytes: bytes)
                return nil
            } catch {
                return error
            }
        }
    }

    /// The bytes uploaded into a VDI (by ref or UUID); `nil` when none were.
    public func vdiContents(_ refOrUUID: String) -> [UInt8]? {
        state.withLock { state in
            if let bytes = state.vdiContents[refOrUUID] { return bytes }
            let ref = state.tables["VDI"]?.first { $0.value["uuid"]?.stringValue == refOrUUID }?.key
            return ref.flatMap { state.vdiContents[$0] }
        }
    }

    /// The uploaded image of the `cidata` disk attached to the VM with this UUID or ref.
    public func configDriveImage(ofVM refOrUUID: String) -> [UInt8]? {
        state.withLock { state in
            let vm =
                state.tables["VM"]?[refOrUUID] != nil
                ? refOrUUID : state.tables["VM"]?.first { $0.value["uuid"]?.stringValue == refOrUUID }?.key
            guard let vm else { return nil }
            for vbd in state.tables["VM"]?[vm]?["VBDs"]?.stringArray ?? [] {
                guard let vdi = state.tables["VBD"]?[vbd]?["VDI"]?.stringValue,
                    state.tables["VDI"]?[vdi]?["name_label"]?.stringValue == FakeXAPIState.configDriveLabel
                else { continue }
                return state.vdiContents[vdi]
            }
            return nil
        }
    }

    /// Whether uploads are answered with a redirect first (``FakeXAPIOptions/redirectUploads``).
    var redirectsUploads: Bool { state.withLock { $0.options.redirectUploads } }
}
