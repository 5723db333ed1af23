import Testing

@testable import ProvisionerAPI

struct KeySuggestionTests {
    private static let simulatedKeys = ["provision_delay_ms", "failure_rate", "capacity", "seed"]

    @Test(arguments: [
        ("failur_rate", "failure_rate"),
        ("failure-rate", "failure_rate"),
        ("FAILURE_RATE", "failure_rate"),
        ("capcity", "capacity"),
        ("sed", "seed"),
        ("provision_delay", "provision_delay_ms"),
    ])
    func suggestsTheClosestKey(written: String, expected: String) {
        #expect(KeySuggestion.closest(to: written, among: Self.simulatedKeys) == expected)
    }

    @Test(arguments: ["colour", "delay", "x", "failure_rate_percent_value"])
    func suggestsNothingWhenEveryKeyIsFar(written: String) {
        #expect(KeySuggestion.closest(to: written, among: Self.simulatedKeys) == nil)
    }

    @Test func prefersTheNearestOfSeveralCloseKeys() {
        #expect(KeySuggestion.closest(to: "port", among: ["host", "ports", "sort"]) == "ports")
        #expect(KeySuggestion.closest(to: "hostt", among: ["ports", "host"]) == "host")
    }

    @Test func tiesGoToTheEarlierCandidate() {
        // "hots" is two edits from both.
        #expect(KeySuggestion.closest(to: "hots", among: ["ports", "host"]) == "ports")
        #expect(KeySuggestion.closest(to: "hots", among: ["host", "ports"]) == "host")
    }

    @Test(arguments: [
        ("tokn_env", "token_env", true),  // 1 edit; a 9-letter key allows 3
        ("token", "token_env", false),  // 4 edits
        ("sed", "seed", true),  // short keys allow 2
        ("xy", "seed", false),
    ])
    func closeMeansWithinAThirdOfTheKeyLengthAndAtLeastTwo(written: String, key: String, suggested: Bool) {
        #expect((KeySuggestion.closest(to: written, among: [key]) != nil) == suggested)
    }

    @Test func noCandidatesMeansNoSuggestion() {
        #expect(KeySuggestion.closest(to: "anything", among: [String]()) == nil)
    }

    @Test(arguments: [
        ("", "", 0), ("", "abc", 3), ("abc", "", 3), ("kitten", "sitting", 3), ("flaw", "lawn", 2),
        ("seed", "seed", 0), ("simulatd", "simulated", 1),
    ])
    func editDistanceIsLevenshtein(lhs: String, rhs: String, distance: Int) {
        #expect(KeySuggestion.editDistance(lhs, rhs) == distance)
        #expect(KeySuggestion.editDistance(rhs, lhs) == distance)
    }
}
