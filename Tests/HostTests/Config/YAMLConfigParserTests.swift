import Host
import ProvisionerAPI
import Testing

struct YAMLConfigParserTests {
    @Test func keepsKeyPathsAndPositions() throws {
        let root = try YAMLConfigParser.parse(
            "server:\n  port: 8080\nlimits:\n  blocked_ports: [25, 465]\n", source: "p.yaml")
        guard case .mapping(let top) = root.content else {
            Issue.record("root is \(root.kindDescription)")
            return
        }
        #expect(top.map(\.key) == ["server", "limits"])
        let server = try root.mapping(allowing: ["server", "limits"])
        let port = try #require(try server.required("server").mapping(allowing: ["port"]).node("port"))
        #expect(port.content == .scalar("8080"))
        #expect(port.pathString == "server.port")
        #expect(port.mark == ConfigNode.Mark(line: 2, column: 9))
        #expect(port.source == "p.yaml")
        let ports = try #require(
            try server.required("limits").mapping(allowing: ["blocked_ports"]).node("blocked_ports"))
        guard case .sequence(let items) = ports.content else {
            Issue.record("blocked_ports is \(ports.kindDescription)")
            return
        }
        #expect(items.map(\.pathString) == ["limits.blocked_ports[0]", "limits.blocked_ports[1]"])
        #expect(items.map(\.mark) == [ConfigNode.Mark(line: 4, column: 19), ConfigNode.Mark(line: 4, column: 23)])
    }

    @Test func nullAndQuotedNullAreDistinct() throws {
        let root = try YAMLConfigParser.parse("a: ~\nb: \"null\"\nc:\n", source: "n.yaml")
        let map = try root.mapping(allowing: ["a", "b", "c"])
        #expect(map.node("a") == nil)
        #expect(map.node("b")?.content == .scalar("null"))
        #expect(map.node("c") == nil)
    }

    @Test func emptyDocumentIsAnEmptyMapping() throws {
        let root = try YAMLConfigParser.parse("# only a comment\n", source: "e.yaml")
        #expect(root.content == .mapping([]))
    }

    @Test func syntaxErrorHasLineAndColumn() throws {
        let error = try #require(throws: ConfigError.self) {
            try YAMLConfigParser.parse("server:\n  host: 127.0.0.1\n   port: 8080\n", source: "bad.yaml")
        }
        #expect(error.source == "bad.yaml")
        #expect(error.path == "<syntax>")
        #expect(error.mark == ConfigNode.Mark(line: 3, column: 8))
        #expect(error.message.hasPrefix("invalid YAML: "))
        #expect(error.message.contains("mapping values are not allowed"))
        #expect(error.description.hasPrefix("bad.yaml:3:8: <syntax>: invalid YAML: "))
    }

    @Test func unclosedFlowSequenceHasLineAndColumn() throws {
        let error = try #require(throws: ConfigError.self) {
            try YAMLConfigParser.parse("limits:\n  blocked_ports: [25, 465\n", source: "flow.yaml")
        }
        #expect(error.path == "<syntax>")
        #expect(error.mark != nil)
        #expect(error.message.hasPrefix("invalid YAML: "))
        #expect(error.description.hasPrefix("flow.yaml:\(error.mark!.line):\(error.mark!.column): <syntax>: "))
    }

    @Test func duplicateKeysAreRefusedAtTheFirstOccurrence() throws {
        let error = try #require(throws: ConfigError.self) {
            try YAMLConfigParser.parse("server:\n  port: 1\n  host: h\n  port: 2\n", source: "dup.yaml")
        }
        #expect(error.path == "<syntax>")
        #expect(error.mark == ConfigNode.Mark(line: 2, column: 3))
        #expect(error.message == "keys appear twice in one mapping: port")
        #expect(error.description == "dup.yaml:2:3: <syntax>: keys appear twice in one mapping: port")
    }
}
