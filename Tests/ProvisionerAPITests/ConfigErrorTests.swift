import ProvisionerAPI
import Testing

struct ConfigErrorTests {
    @Test func descriptionIsFileLineColumnPathMessage() {
        let error = ConfigError(
            source: "config/provisioner.yaml", path: "a.b.c", mark: .init(line: 12, column: 7),
            message: "expected an integer, found 'x'")
        #expect(error.description == "config/provisioner.yaml:12:7: a.b.c: expected an integer, found 'x'")
    }

    @Test func descriptionWithoutMarkNamesOnlyTheFile() {
        let error = ConfigError(source: "<embedded default>", path: "store.kind", mark: nil, message: "bad")
        #expect(error.description == "<embedded default>: store.kind: bad")
    }

    @Test func nodeInitTakesSourcePathAndMarkFromTheNode() {
        let node = ConfigNode(
            content: .scalar("x"), path: ["server", "port"], mark: .init(line: 3, column: 9), source: "p.yaml")
        let error = ConfigError(node: node, message: "no")
        #expect(
            error == ConfigError(source: "p.yaml", path: "server.port", mark: .init(line: 3, column: 9), message: "no"))
        #expect(error.description == "p.yaml:3:9: server.port: no")
    }

    @Test func nilNodeIsTheConfigRoot() {
        let error = ConfigError(node: nil, message: "missing")
        #expect(error.description == "<config>: <root>: missing")
    }

    @Test func errorsListOnePerLine() {
        let errors = ConfigErrors([
            ConfigError(source: "f", path: "a", mark: .init(line: 1, column: 1), message: "one"),
            ConfigError(source: "f", path: "b", mark: .init(line: 2, column: 3), message: "two"),
        ])
        #expect(errors.description == "f:1:1: a: one\nf:2:3: b: two")
    }
}
