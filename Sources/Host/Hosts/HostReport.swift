import Foundation
import ProvisionerAPI

/// A parsed `POST /v1/host-report` body (DESIGN.md section 10, pinned by
/// `Tests/Fixtures/host-report.golden.json`).
///
/// Unknown top-level fields are ignored, so newer agents keep working; a known field of the wrong
/// type is refused with `invalid_request` naming it (`host.cpu_percent`, `guests[1].vmid`).
struct HostReport: Sendable, Equatable {
    struct Figures: Sendable, Equatable {
        var hostname: String?
        var cpuPercent: Double?
        var memPercent: Double?
        var diskPercent: Double?
        var uptimeSeconds: Int?
    }

    struct Guest: Sendable, Equatable {
        var vmid: String
        var name: String?
        var status: String?
        var controllerVersion: String?
        var specJSON: String?
    }

    var hostID: String
    var reportedAt: Date
    var agentVersion: String
    var host: Figures
    var guests: [Guest]
    var cloudflaredStatus: String?

    /// The lists a report may carry for later use; each must be an array when present.
    static let listFields = ["storage_targets", "backups", "restore_tests", "pbs_snapshots", "audit_tail"]

    /// How many guests run: those with `status == "running"`, nothing else.
    var guestRunning: Int { guests.filter { $0.status == "running" }.count }

    /// Parses a report body.
    ///
    /// - Throws: ``ProvisionerError`` `invalid_request` naming the field that is missing or wrong.
    init(_ bytes: [UInt8]) throws {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw ProvisionerError.invalidRequest("The report body is not valid JSON.")
        }
        guard case .object = value else {
            throw ProvisionerError.invalidRequest("The report body must be a JSON object, not \(value.typeName).")
        }
        let root = Fields(value, path: "")
        hostID = try root.requiredString("host_id")
        guard !hostID.isEmpty else { throw ProvisionerError.invalidRequest("Field 'host_id' must not be empty.") }
        let reportedAtText = try root.requiredString("reported_at")
        guard let reportedAt = Self.parseTimestamp(reportedAtText) else {
            throw ProvisionerError.invalidRequest(
                "Field 'reported_at' must be an RFC 3339 timestamp (2025-01-31T12:00:00Z), not '\(reportedAtText)'.")
        }
        self.reportedAt = reportedAt
        agentVersion = try root.requiredString("agent_version")
        let hostFields = try root.requiredObject("host")
        host = Figures(
            hostname: try hostFields.string("hostname"), cpuPercent: try hostFields.number("cpu_percent"),
            memPercent: try hostFields.number("mem_percent"), diskPercent: try hostFields.number("disk_percent"),
            uptimeSeconds: try hostFields.integer("uptime_s"))
        guests = try root.objects("guests").map { guest in
            Guest(
                vmid: try guest.identifier("vmid"), name: try guest.string("name"), status: try guest.string("status"),
                controllerVersion: try guest.string("controller_version"),
                specJSON: try guest.object("spec").map { $0.value.serialized })
        }
        cloudflaredStatus = try root.object("cloudflared")?.string("status")
        for name in Self.listFields { _ = try root.array(name) }
    }

    /// RFC 3339 with or without fractional seconds.
    static func parseTimestamp(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            return date
        }
        return try? Date(text, strategy: Date.ISO8601FormatStyle())
    }
}

/// The fields of one JSON object in a report, with its path for error messages.
private struct Fields {
    let value: JSONValue
    let path: String

    init(_ value: JSONValue, path: String) {
        self.value = value
        self.path = path
    }

    private func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func field(_ key: String) -> JSONValue? {
        guard let found = value[key], found != .null else { return nil }
        return found
    }

    private func wrongType(_ key: String, _ expected: String, _ found: JSONValue) -> ProvisionerError {
        .invalidRequest("Field '\(name(key))' must be \(expected), not \(found.typeName).")
    }

    func requiredString(_ key: String) throws -> String {
        guard let text = try string(key) else {
            throw ProvisionerError.invalidRequest("Field '\(name(key))' is required.")
        }
        return text
    }

    func string(_ key: String) throws -> String? {
        guard let found = field(key) else { return nil }
        guard case .string(let text) = found else { throw wrongType(key, "a string", found) }
        return text
    }

    /// A string or an integer (a guest's `vmid` is either), as text.
    func identifier(_ key: String) throws -> String {
        switch field(key) {
        case .string(let text)?: return text
        case .int(let number)?: return String(number)
        case nil: throw ProvisionerError.invalidRequest("Field '\(name(key))' is required.")
        case let found?: throw wrongType(key, "a string or an integer", found)
        }
    }

    func number(_ key: String) throws -> Double? {
        switch field(key) {
        case .int(let number)?: return Double(number)
        case .double(let number)?: return number
        case nil: return nil
        case let found?: throw wrongType(key, "a number", found)
        }
    }

    func integer(_ key: String) throws -> Int? {
        switch field(key) {
        case .int(let number)?: return number
        case .double(let number)? where number.rounded() == number && abs(number) < 9e15: return Int(number)
        case nil: return nil
        case let found?: throw wrongType(key, "an integer", found)
        }
    }

    func requiredObject(_ key: String) throws -> Fields {
        guard let found = try object(key) else {
            throw ProvisionerError.invalidRequest("Field '\(name(key))' is required.")
        }
        return found
    }

    func object(_ key: String) throws -> Fields? {
        guard let found = field(key) else { return nil }
        guard case .object = found else { throw wrongType(key, "an object", found) }
        return Fields(found, path: name(key))
    }

    func array(_ key: String) throws -> [JSONValue] {
        guard let found = field(key) else { return [] }
        guard case .array(let items) = found else { throw wrongType(key, "an array", found) }
        return items
    }

    func objects(_ key: String) throws -> [Fields] {
        try array(key).enumerated().map { index, item in
            guard case .object = item else {
                throw ProvisionerError.invalidRequest(
                    "Field '\(name(key))[\(index)]' must be an object, not \(item.typeName).")
            }
            return Fields(item, path: "\(name(key))[\(index)]")
        }
    }
}
