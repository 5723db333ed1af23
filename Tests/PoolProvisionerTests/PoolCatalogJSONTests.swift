import Foundation
import PoolProvisioner
import Testing

struct PoolCatalogJSONTests {
    @Test func acceptsABareArrayAndTheWrapper() throws {
        let entry =
            #"{"id":"a","ipv6":"2001:db8::1","ssh_port":2222,"cockpit_url":"https://a:9090","plans":["small"],"tags":["eu"],"status":"maintenance"}"#
        let bare = try PoolCatalogJSON.decode(Data("[\(entry)]".utf8))
        let wrapped = try PoolCatalogJSON.decode(Data(#"{"pool": [\#(entry)]}"#.utf8))
        #expect(bare == wrapped)
        #expect(
            bare == [
                PoolVM(
                    id: "a", ipv6: "2001:db8::1", sshPort: 2222, cockpitURL: "https://a:9090", plans: ["small"],
                    tags: ["eu"], status: .maintenance)
            ])
    }

    @Test(arguments: [
        (#"[{"id":"a"},{"id":"b","ssh_port":"22"}]"#, "pool[1].ssh_port", "expected an integer"),
        (#"[{"id":"a"},{"name":"no id"}]"#, "pool[1].id", "is required"),
        (#"[{"id":"a","colour":"red"}]"#, "pool[0].colour", "unknown field"),
        (#"[{"id":"a","status":"broken"}]"#, "pool[0].status", "must be 'available' or 'maintenance'"),
        (#"[{"id":"a"},{"id":"b"},{"id":"a"}]"#, "pool[2].id", "duplicate VM id 'a' (first used by pool[0])"),
        (#"[{"id":"a","ssh_port":70000}]"#, "pool[0].ssh_port", "between 1 and 65535"),
        (#"[{"id":"a","ipv4":"300.1.1.1"}]"#, "pool[0].ipv4", "not an IPv4 address"),
        (#"[{"id":"a","ipv6":"nope"}]"#, "pool[0].ipv6", "not an IPv6 address"),
        (#"[{"id":"a","cockpit_url":"javascript:alert(1)"}]"#, "pool[0].cockpit_url", "http:// or https://"),
        (#"[{"id":""}]"#, "pool[0].id", "non-empty"),
        (#"{"vms": []}"#, "pool", "unknown key 'vms'"),
        (#"[{"id":"a"}"#, "pool", "not valid JSON"),
        (#"[{"id":"a","ssh_port":022}]"#, "pool", "not valid JSON"),
        (#""a string""#, "pool", "expected a list of VMs"),
    ])
    func refusesABadPoolNamingTheEntryAndField(json: String, location: String, message: String) {
        #expect {
            try PoolCatalogJSON.decode(Data(json.utf8))
        } throws: { error in
            guard let error = error as? PoolCatalogError else { return false }
            return error.location == location && error.message.contains(message)
        }
    }

    /// The hand-written encoder gives byte for byte what `JSONEncoder` (sorted keys, slashes
    /// unescaped) gives, so stored catalogs compare equal whichever wrote them.
    @Test func encodingMatchesJSONEncoder() throws {
        let vms = [
            PoolVM(id: "a"),
            PoolVM(
                id: "b", name: "quote \" back\\slash /slash", ipv4: "192.0.2.1", ipv6: "2001:db8::1",
                sshHost: "b.example", sshPort: 2222, cockpitURL: "https://b.example:9090/", plans: ["small", "tab\t"],
                tags: ["nl\n", "cr\r", "bell\u{7}", "bs\u{8}", "ff\u{C}", "del\u{7F}", "é漢😀"], status: .maintenance),
            PoolVM(id: "c", plans: [], tags: []),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let expected = String(decoding: try encoder.encode(vms), as: UTF8.self)
        #expect(PoolCatalogJSON.encode(vms) == expected)
        #expect(PoolCatalogJSON.encode([]) == "[]")
    }

    @Test func encodingRoundTrips() throws {
        let vms = [PoolVM(id: "a", cockpitURL: "https://a/x", plans: ["p"]), PoolVM(id: "b", status: .maintenance)]
        #expect(try PoolCatalogJSON.decode(Data(PoolCatalogJSON.encode(vms).utf8)) == vms)
    }
}

/// `decode` reads well-formed pools with a direct parser and falls back to `JSONDecoder` for
/// anything unusual: both give the same VMs.
struct PoolCatalogDirectParserTests {
    @Test(arguments: [
        #"[]"#,
        #" { "pool" : [ ] } "#,
        #"[{"id":"a"}]"#,
        "[\n  {\"id\" : \"a\", \"ipv6\": \"2001:db8::1\", \"tags\": [], \"plans\": [\"p\", \"q\"]},\r\n\t{\"id\":\"b\"}\n]",
        #"[{"id":"esc\"aped\\back\/slash","name":"é漢😀\n\t\r\b\f","ssh_port":22,"status":"maintenance","host":"h1"}]"#,
        #"[{"id":"uni\u00e9code"}]"#,
        #"[{"id":"a","name":null}]"#,
        #"[{"ssh_host":"s","id":"late-id","cockpit_url":"https://x/","ipv4":"192.0.2.1"}]"#,
    ])
    func theDirectParserReadsWhatJSONDecoderReads(json: String) throws {
        let data = Data(json.utf8)
        let expected: [PoolVM]
        if data.first(where: { $0 != 0x20 }) == UInt8(ascii: "{") {
            expected = try JSONDecoder().decode([String: [PoolVM]].self, from: data)["pool"] ?? []
        } else {
            expected = try JSONDecoder().decode([PoolVM].self, from: data)
        }
        #expect(try PoolCatalogJSON.decode(data) == expected)
    }

    @Test func aLargePoolRoundTrips() throws {
        let vms = (0..<5_000).map {
            PoolVM(
                id: "vm-\($0)", ipv6: "2001:db8::\(String($0, radix: 16))", sshPort: $0 % 2 == 0 ? nil : 2200,
                plans: $0 % 3 == 0 ? nil : ["small"], tags: ["t\($0 % 7)"],
                status: $0 % 5 == 0 ? .maintenance : .available)
        }
        #expect(try PoolCatalogJSON.decode(Data(PoolCatalogJSON.encode(vms).utf8)) == vms)
    }
}
