import Foundation
import ProvisionerAPI

/// The cloud-init NoCloud data source of one VM: `meta-data` and `user-data` in an ISO 9660
/// image labelled `cidata`.
///
/// `meta-data` names the instance (`instance-id` = the allocation id, so cloud-init runs once per
/// allocation, also for a VM cloned from one that already booted) and its `local-hostname`.
/// `user-data` is `#cloud-config` with the hostname, the order's SSH keys, and the operator's
/// `xcpng.cloud_init.user_data` merged in: its keys come first, `hostname`/`fqdn` are the
/// order's, and `ssh_authorized_keys` is the operator's list followed by the order's keys. The
/// document is written in YAML flow style (JSON-like), which cloud-init's YAML parser reads.
struct CloudInitConfigDrive {
    static let label = "cidata"

    var instanceID: String
    var hostname: String
    var sshKeys: [String]
    /// The operator's `cloud_init.user_data` mapping, already checked to be a mapping.
    var extraUserData: ConfigNode?

    /// The `meta-data` file.
    var metaData: String {
        "instance-id: \(Self.quoted(instanceID))\nlocal-hostname: \(Self.quoted(hostname))\n"
    }

    /// The `user-data` file.
    var userData: String {
        var entries: [(String, String)] = []
        var operatorKeys: [String] = []
        if case .mapping(let members) = extraUserData?.content {
            for member in members where !["hostname", "fqdn", "ssh_authorized_keys"].contains(member.key) {
                entries.append((member.key, Self.render(member.value)))
            }
            if let keys = members.first(where: { $0.key == "ssh_authorized_keys" }),
                case .sequence(let items) = keys.value.content
            {
                operatorKeys = items.compactMap { if case .scalar(let text) = $0.content { text } else { nil } }
            }
        }
        let short = String(hostname.prefix { $0 != "." })
        entries.append(("hostname", Self.quoted(short)))
        if short != hostname { entries.append(("fqdn", Self.quoted(hostname))) }
        let keys = operatorKeys + sshKeys
        if !keys.isEmpty {
            entries.append(("ssh_authorized_keys", "[" + keys.map(Self.quoted).joined(separator: ", ") + "]"))
        }
        return "#cloud-config\n" + entries.map { "\(Self.quoted($0.0)): \($0.1)" }.joined(separator: "\n") + "\n"
    }

    /// The image to upload: ISO 9660 with Joliet names.
    func image(date: Date = Date()) -> [UInt8] {
        ISO9660Image(
            volumeLabel: Self.label,
            files: [
                .init(name: "meta-data", contents: Array(metaData.utf8)),
                .init(name: "user-data", contents: Array(userData.utf8)),
            ], date: date
        ).bytes()
    }

    /// A config value as YAML flow text. Scalars that read as booleans, null or numbers stay
    /// plain so they keep their type; every other scalar is a double-quoted string.
    static func render(_ node: ConfigNode) -> String {
        switch node.content {
        case .null: return "null"
        case .scalar(let text):
            let plain =
                ["true", "false", "null"].contains(text)
                || (Double(text) != nil && text.allSatisfy { "0123456789.-".contains($0) })
            return plain && !text.isEmpty ? text : quoted(text)
        case .sequence(let items): return "[" + items.map(render).joined(separator: ", ") + "]"
        case .mapping(let members):
            return "{" + members.map { "\(quoted($0.key)): \(render($0.value))" }.joined(separator: ", ") + "}"
        }
    }

    /// A YAML double-quoted string (JSON escaping is valid there).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                out += String(format: "\\x%02x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
