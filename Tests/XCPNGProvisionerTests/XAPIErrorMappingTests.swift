import ProvisionerAPI
import Testing
import XCPNGProvisioner

struct XAPIErrorMappingTests {
    @Test(arguments: [
        ("OTHER_OPERATION_IN_PROGRESS", ProvisionerError.Code.backendUnavailable, true),
        ("TOO_MANY_PENDING_TASKS", .backendUnavailable, true),
        ("HOST_OFFLINE", .backendUnavailable, true),
        ("HOST_STILL_BOOTING", .backendUnavailable, true),
        ("SR_FULL", .capacityUnavailable, true),
        ("NO_HOSTS_AVAILABLE", .capacityUnavailable, true),
        ("HOST_NOT_ENOUGH_FREE_MEMORY", .capacityUnavailable, true),
        ("SR_BACKEND_FAILURE_44", .capacityUnavailable, true),
        ("SESSION_AUTHENTICATION_FAILED", .backendUnavailable, false),
        ("HANDLE_INVALID", .notFound, false),
        ("VM_BAD_POWER_STATE", .backendRejected, false),
        ("INTERNAL_ERROR", .backendRejected, false),
        ("TASK_CANCELLED", .timeout, true),
    ])
    func codesMapToProvisionerErrors(code: String, expected: ProvisionerError.Code, retryable: Bool) {
        let error = XAPIError(code: code, params: ["p1"]).provisionerError(context: "testing")
        #expect(error.code == expected)
        #expect(error.isRetryable == retryable)
        #expect(error.operatorDetail?.contains("testing: XAPI \(code) [p1]") == true)
        #expect(!error.customerMessage.contains(code))
    }

    @Test func transientCodesAreTheRetriedOnes() {
        #expect(XAPIError(code: "OTHER_OPERATION_IN_PROGRESS").isTransient)
        #expect(!XAPIError(code: "SR_FULL").isTransient)
    }
}
