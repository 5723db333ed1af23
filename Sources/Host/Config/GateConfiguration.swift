public import ProvisionerAPI

/// `gate:` keys (DESIGN.md section 11): `allowed_signers_file` (string, optional: an OpenSSH
/// `allowed_signers` file; without it no signature is accepted and destructive ops only wait),
/// `namespace` (string, default `provisioner-op`: the SSHSIG namespace signatures must carry),
/// `max_validity_s` (integer, default 900, 30...86400: how long a pending op's payload may be
/// signed and submitted), `roles` (mapping, optional: `operational` and `recovery`, each a list
/// of principals from the signers file; `operational` may sign destructive and rotation ops,
/// `recovery` rotation only, a principal with no role nothing).
public struct GateConfiguration: Sendable, Equatable {
    /// The role a principal holds.
    public enum Role: String, Sendable, CaseIterable {
        case operational
        case recovery
    }

    /// The signers file, if configured.
    public var allowedSignersFile: String?
    /// The namespace every signature must be made for.
    public var namespace: String = "provisioner-op"
    /// Seconds a pending op's payload stays signable.
    public var maxValiditySeconds: Int = 900
    /// Principals by role.
    public var roles: [Role: [String]] = [:]

    /// Creates the section with defaults.
    public init() {}

    /// The roles `principal` holds.
    public func roles(of principal: String) -> Set<Role> {
        Set(roles.filter { $0.value.contains(principal) }.map(\.key))
    }

    init(decoding node: ConfigNode) throws {
        self.init()
        let map = try node.mapping(allowing: ["allowed_signers_file", "namespace", "max_validity_s", "roles"])
        if let path = try map.string("allowed_signers_file") {
            guard !path.isEmpty else {
                throw ConfigError(node: map.node("allowed_signers_file"), message: "must not be empty")
            }
            allowedSignersFile = path
        }
        namespace = try map.string("namespace", default: namespace)
        guard !namespace.isEmpty, namespace.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw ConfigError(node: map.node("namespace"), message: "expected a namespace without spaces")
        }
        maxValiditySeconds = try map.int("max_validity_s", default: maxValiditySeconds, in: 30...86_400)
        if let rolesNode = map.node("roles") {
            let rolesMap = try rolesNode.mapping(allowing: Role.allCases.map(\.rawValue))
            for role in Role.allCases {
                guard let list = rolesMap.node(role.rawValue) else { continue }
                roles[role] = try list.asList { item in
                    let principal = try item.asString()
                    guard !principal.isEmpty, !principal.contains(",") else {
                        throw ConfigError(node: item, message: "a principal is one name, without commas")
                    }
                    return principal
                }
            }
        }
    }
}
