public import Foundation

/// Reads and writes pool descriptions in JSON: a bare array of VMs or `{"pool": [...]}`.
public enum PoolCatalogJSON {
    /// Parses and validates a pool description.
    ///
    /// - Throws: ``PoolCatalogError`` naming the entry and field that are wrong.
    public static func decode(_ data: Data) throws(PoolCatalogError) -> [PoolVM] {
        if let vms = data.withUnsafeBytes({ PoolCatalogParser.parse($0.assumingMemoryBound(to: UInt8.self)) }) {
            return try vms.validated()
        }
        // Not plainly well-formed: `JSONDecoder` accepts it or says what is wrong, and where.
        let vms: [PoolVM]
        do {
            let decoder = JSONDecoder()
            if data.first(where: { !$0.isJSONWhitespace }) == UInt8(ascii: "{") {
                vms = try decoder.decode(Wrapper.self, from: data).pool
            } else {
                vms = try decoder.decode([PoolVM].self, from: data)
            }
        } catch let error as PoolCatalogError {
            throw error
        } catch let error as DecodingError {
            throw Self.catalogError(error)
        } catch {
            throw PoolCatalogError(message: "not valid JSON: \(error)")
        }
        return try vms.validated()
    }

    private struct Wrapper: Decodable {
        var pool: [PoolVM]

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: AnyKey.self)
            if let unknown = container.allKeys.first(where: { $0.stringValue != "pool" }) {
                throw PoolCatalogError(message: "unknown key '\(unknown.stringValue)'; expected only 'pool'")
            }
            guard let key = AnyKey(stringValue: "pool"), container.contains(key) else {
                throw PoolCatalogError(message: "expected a list of VMs or an object with a 'pool' list")
            }
            pool = try container.decode([PoolVM].self, forKey: key)
        }
    }

    private static func catalogError(_ error: DecodingError) -> PoolCatalogError {
        let (path, message): ([any CodingKey], String) =
            switch error {
            case .typeMismatch(let type, let context):
                (context.codingPath, "expected \(Self.describe(type))")
            case .valueNotFound(let type, let context):
                (context.codingPath, "expected \(Self.describe(type)), got null")
            case .keyNotFound(let key, let context):
                (context.codingPath + [key], "is required")
            case .dataCorrupted(let context):
                (context.codingPath, context.codingPath.isEmpty ? "not valid JSON" : context.debugDescription)
            @unknown default:
                ([], "\(error)")
            }
        let components = path.filter { $0.stringValue != "pool" }
        let index = components.first?.intValue
        let field = components.dropFirst().first?.stringValue
        return PoolCatalogError(index: index, field: field, message: message)
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: "an integer"
        case is String.Type: "a string"
        case is [String].Type: "a list of strings"
        case is [PoolVM].Type, is [Any].Type: "a list of VMs (or an object with a 'pool' list)"
        case is [String: Any].Type: "an object (a VM)"
        default: "a value of type \(type)"
        }
    }
}

/// A coding key for any string, to find unknown keys.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension UInt8 {
    fileprivate var isJSONWhitespace: Bool { self == 0x20 || self == 0x09 || self == 0x0A || self == 0x0D }
}

extension PoolVM {
    /// Decodes one pool VM, refusing unknown fields.
    public init(from decoder: any Decoder) throws {
        let all = try decoder.container(keyedBy: AnyKey.self)
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        if let unknown = all.allKeys.first(where: { !known.contains($0.stringValue) }) {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath + [unknown],
                    debugDescription:
                        "unknown field; expected one of: \(CodingKeys.allCases.map(\.rawValue).joined(separator: ", "))"
                ))
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        ipv4 = try container.decodeIfPresent(String.self, forKey: .ipv4)
        ipv6 = try container.decodeIfPresent(String.self, forKey: .ipv6)
        sshHost = try container.decodeIfPresent(String.self, forKey: .sshHost)
        sshPort = try container.decodeIfPresent(Int.self, forKey: .sshPort)
        cockpitURL = try container.decodeIfPresent(String.self, forKey: .cockpitURL)
        plans = try container.decodeIfPresent([String].self, forKey: .plans)
        tags = try container.decodeIfPresent([String].self, forKey: .tags) ?? []
        host = try container.decodeIfPresent(String.self, forKey: .host)
        let rawStatus = try container.decodeIfPresent(String.self, forKey: .status) ?? Status.available.rawValue
        guard let status = Status(rawValue: rawStatus) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath + [CodingKeys.status],
                    debugDescription: "must be 'available' or 'maintenance', got '\(rawStatus)'"))
        }
        self.status = status
    }
}
