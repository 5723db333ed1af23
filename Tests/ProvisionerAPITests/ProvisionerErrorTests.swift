import Logging
import ProvisionerAPI
import Testing

struct ProvisionerErrorTests {
    /// The wire values clients switch on. Renaming one breaks every client, so this table is the
    /// contract: change it only by adding rows.
    @Test(arguments: [
        (ProvisionerError.Code.poolExhausted, "pool_exhausted"),
        (.backendUnavailable, "backend_unavailable"),
        (.backendRejected, "backend_rejected"),
        (.timeout, "timeout"),
        (.notFound, "not_found"),
        (.invalidRequest, "invalid_request"),
        (.quotaExceeded, "quota_exceeded"),
        (.capacityUnavailable, "capacity_unavailable"),
        (.provisionFailed, "provision_failed"),
        (.conflict, "conflict"),
        (.internalError, "internal_error"),
    ])
    func codeRawValuesAreStableWireStrings(code: ProvisionerError.Code, wire: String) {
        #expect(code.rawValue == wire)
        #expect(code.description == wire)
        #expect(ProvisionerError.Code(rawValue: wire) == code)
    }

    @Test(arguments: [
        (ProvisionerError.poolExhausted(), ProvisionerError.Code.poolExhausted, true),
        (.capacityUnavailable(), .capacityUnavailable, true),
        (.backendUnavailable(), .backendUnavailable, true),
        (.backendRejected(), .backendRejected, false),
        (.timeout(), .timeout, true),
        (.invalidRequest("The plan is unknown."), .invalidRequest, false),
        (.notFound(), .notFound, false),
    ])
    func factoriesSetCodeRetryabilityAndACustomerMessage(
        error: ProvisionerError, code: ProvisionerError.Code, isRetryable: Bool
    ) {
        #expect(error.code == code)
        #expect(error.isRetryable == isRetryable)
        #expect(!error.customerMessage.isEmpty)
    }

    @Test func pluginsCanAddNamespacedCodes() {
        let code = ProvisionerError.Code(rawValue: "xcpng.template_missing")
        let error = ProvisionerError(code: code, isRetryable: false, customerMessage: "Not available.")
        #expect(error.code.rawValue == "xcpng.template_missing")
        #expect(error != ProvisionerError.backendRejected())
    }

    @Test func equalityComparesCodesOnly() {
        let a = ProvisionerError(
            code: .timeout, isRetryable: true, customerMessage: "slow", operatorDetail: "xapi task 1 stalled")
        let b = ProvisionerError(code: .timeout, isRetryable: false, customerMessage: "other", operatorDetail: nil)
        #expect(a == b)
        #expect(a.location != b.location)
        #expect(a != ProvisionerError.backendUnavailable("xapi task 1 stalled"))
    }

    @Test func locationIsWhereTheErrorWasMade() {
        let (error, line) = (ProvisionerError.timeout("deadline passed"), #line)
        #expect(error.location == "ProvisionerAPITests/ProvisionerErrorTests.swift:\(line)")

        let (made, madeLine) = (ProvisionerError(code: .conflict, isRetryable: false, customerMessage: "x"), #line)
        #expect(made.location == "\(#fileID):\(madeLine)")
    }

    @Test func wrappingKeepsAProvisionerErrorAsItIs() {
        let original = ProvisionerError(
            code: .poolExhausted, isRetryable: true, customerMessage: "busy", operatorDetail: "0 of 5 free")
        let wrapped = ProvisionerError.wrapping(original)
        #expect(wrapped.code == .poolExhausted)
        #expect(wrapped.customerMessage == "busy")
        #expect(wrapped.operatorDetail == "0 of 5 free")
        #expect(wrapped.location == original.location)
    }

    private struct SocketError: Error, CustomStringConvertible {
        var description: String { "connection refused" }
    }

    @Test func wrappingMakesAForeignErrorRetryableBackendUnavailable() {
        let (wrapped, line) = (ProvisionerError.wrapping(SocketError()), #line)
        #expect(wrapped.code == .backendUnavailable)
        #expect(wrapped.isRetryable)
        #expect(wrapped.operatorDetail == "SocketError: connection refused")
        #expect(!wrapped.customerMessage.contains("connection refused"), "backend words stay operator-only")
        #expect(wrapped.location == "\(#fileID):\(line)")
    }

    @Test func descriptionPrefersOperatorDetail() {
        let (detailed, line) = (ProvisionerError.backendRejected("template not found"), #line)
        #expect(detailed.description == "backend_rejected: template not found (\(#fileID):\(line))")
        let (plain, plainLine) = (ProvisionerError.notFound("No such VM."), #line)
        #expect(plain.description == "not_found: No such VM. (\(#fileID):\(plainLine))")
    }

    @Test func canBeMatchedByCodeWithExpectThrows() async {
        let backend = MinimalProvisioner()
        await #expect(throws: ProvisionerError.invalidRequest("")) {
            _ = try await backend.allocate(
                AllocationRequest(allocationID: "", userID: "u", plan: PlanSpec(name: "small")),
                logger: .init(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        }
    }
}
