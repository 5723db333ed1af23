import ProvisionerAPI
import Testing

struct ConfigNodeTests {
    @Test(
        arguments: [
            ([], "<root>"),
            (["server"], "server"),
            (["provisioner", "simulated", "failure_rate"], "provisioner.simulated.failure_rate"),
            (["a", "b", "[2]", "c"], "a.b[2].c"),
            (["limits", "blocked_ports", "[0]"], "limits.blocked_ports[0]"),
            (["plans", "[1]", "[0]"], "plans[1][0]"),
            (["[3]", "name"], "[3].name"),
        ] as [([String], String)])
    func pathStringJoinsKeysWithDotsAndIndicesWithBrackets(path: [String], expected: String) {
        #expect(ConfigNode(content: .null, path: path).pathString == expected)
    }

    @Test(arguments: [
        (ConfigNode.Content.scalar("1"), "a scalar"),
        (.null, "null"),
        (.mapping([]), "a mapping"),
        (.sequence([]), "a list"),
    ])
    func kindDescriptionNamesTheKind(content: ConfigNode.Content, expected: String) {
        #expect(ConfigNode(content: content).kindDescription == expected)
    }

    @Test func defaultsLocateNothing() {
        let node = ConfigNode(content: .scalar("x"))
        #expect(node.path.isEmpty)
        #expect(node.mark == nil)
        #expect(node.source == "<config>")
    }

    @Test func builtTreesCarryPathsAndPositions() throws {
        // limits:
        //   max_vms: 3
        //   blocked_ports:
        //     - 25
        //     - 465
        let root = YAMLTree.mapping([
            ("limits", ["max_vms": 3, "blocked_ports": [25, 465]])
        ]).document()
        let port = try #require(root["limits", "blocked_ports", "[1]"])
        #expect(port.content == .scalar("465"))
        #expect(port.pathString == "limits.blocked_ports[1]")
        #expect(port.mark == ConfigNode.Mark(line: 5, column: 7))
        #expect(port.source == "provisioner.yaml")
        #expect(root["limits", "max_vms"]?.mark == ConfigNode.Mark(line: 2, column: 12))
    }
}
