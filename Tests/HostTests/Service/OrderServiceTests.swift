import Foundation
import Host
import ProvisionerAPI
import SimulatedProvisioner
import Testing

struct OrderServiceTests {
    @Test(.timeLimit(.minutes(1)))
    func freePlanStartsPaidAndNeedsNoPayment() async throws {
        try await ServiceHarness.with { harness in
            let record = try await harness.order(plan: "trial")
            #expect(record.state == .paid)
            #expect(record.paymentStatus == .notRequired)
            #expect(record.customerMessage == CustomerMessages.text(for: .paid))
            #expect(record.vm == nil)
            #expect(record.dnsAAAA == .notRun)
            #expect(record.sshSmoke == .notRun)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func paidPlanStartsWaitingForPayment() async throws {
        try await ServiceHarness.with { harness in
            let record = try await harness.order(plan: "small")
            #expect(record.state == .paymentRequired)
            #expect(record.paymentStatus == .paymentRequired)
            #expect(record.customerMessage == CustomerMessages.text(for: .paymentRequired))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func freePlanOrderWakesTheWorker() async throws {
        try await ServiceHarness.with { harness in
            _ = try await harness.order(plan: "trial")
            let clock = ContinuousClock()
            let started = clock.now
            await harness.signal.wait(timeout: .seconds(30))
            #expect(clock.now - started < .seconds(10))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func noCapacityRefusesTheOrder() async throws {
        try await ServiceHarness.with(simulated: .init(provisionDelayMilliseconds: 0, capacity: 0)) { harness in
            let error = try await #require(throws: ProvisionerError.self) {
                try await harness.order(plan: "small")
            }
            #expect(error.code == .capacityUnavailable)
            #expect(error.isRetryable)
            #expect(try await harness.store.allocations(userID: "user-1").isEmpty)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func idempotencyKeyReplaysTheSameRequestAndRefusesAnother() async throws {
        try await ServiceHarness.with { harness in
            let order = NewOrder(userID: "u", plan: "small", openPorts: [22])
            let first = try await harness.orders.createOrder(
                order, idempotencyKey: "key-1", requestID: nil, logger: harness.logger)
            let again = try await harness.orders.createOrder(
                order, idempotencyKey: "key-1", requestID: nil, logger: harness.logger)
            #expect(!first.replayed)
            #expect(again.replayed)
            #expect(again.record.id == first.record.id)

            var different = order
            different.openPorts = [80]
            let error = try await #require(throws: ProvisionerError.self) {
                try await harness.orders.createOrder(
                    different, idempotencyKey: "key-1", requestID: nil, logger: harness.logger)
            }
            #expect(error.code == .idempotencyConflict)
            #expect(try await harness.store.allocations(userID: "u").count == 1)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func paidOrdersPastTheCapAreRefused() async throws {
        try await ServiceHarness.with(configure: { $0.limits.maxPaidVMsPerUser = 2 }) { harness in
            _ = try await harness.order(user: "q", plan: "small")
            _ = try await harness.order(user: "q", plan: "small")
            let error = try await #require(throws: ProvisionerError.self) {
                try await harness.order(user: "q", plan: "small")
            }
            #expect(error.code == .quotaExceeded)
            #expect(error.customerMessage.contains("limit is 2"))
            // Free plans are not capped.
            #expect(try await harness.order(user: "q", plan: "trial").state == .paid)
        }
    }

    // MARK: payments

    @Test(.timeLimit(.minutes(1)))
    func paidMovesToPaidAndRepeatingIsIdempotent() async throws {
        try await ServiceHarness.with { harness in
            let order = try await harness.order(plan: "small")
            let paid = try await harness.orders.recordPayment(
                id: order.id, status: "paid", reference: "ref-1", requestID: nil, logger: harness.logger)
            #expect(paid.state == .paid)
            #expect(paid.paymentStatus == .paid)
            #expect(paid.paymentReference == "ref-1")

            let again = try await harness.orders.recordPayment(
                id: order.id, status: "paid", reference: "ref-2", requestID: nil, logger: harness.logger)
            #expect(again.state == .paid)
            #expect(again.paymentReference == "ref-1")
            let kinds = try await harness.store.auditEvents(allocationID: order.id).map(\.kind)
            #expect(kinds.filter { $0 == "payment.recorded" }.count == 1)
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: ["cancelled", "expired", "unknown-x", "", "PAID", "paid ", "pending"])
    func anythingButPaidKeepsWaitingForPayment(_ status: String) async throws {
        try await ServiceHarness.with { harness in
            let order = try await harness.order(plan: "small")
            let record = try await harness.orders.recordPayment(
                id: order.id, status: status, reference: nil, requestID: nil, logger: harness.logger)
            #expect(record.state == .paymentRequired)
            #expect(record.paymentStatus == .paymentRequired)
            let events = try await harness.store.auditEvents(allocationID: order.id)
            #expect(events.map(\.kind) == ["order.created", "payment.not_paid"])
        }
    }

    @Test(arguments: [
        ("paid", PaymentStatus.paid),
        ("cancelled", .paymentRequired), ("expired", .paymentRequired), ("unknown-x", .paymentRequired),
        ("", .paymentRequired), ("Paid", .paymentRequired), ("PAID", .paymentRequired), (" paid", .paymentRequired),
        ("not_required", .paymentRequired), ("payment_required", .paymentRequired), ("refunded", .paymentRequired),
    ])
    func onlyAnExplicitPaidMapsToPaid(_ input: String, _ expected: PaymentStatus) {
        #expect(PaymentStatusMapping.map(input) == expected)
    }

    @Test(.timeLimit(.minutes(1)))
    func paymentForAFreePlanOrAMissingOrderIsRefused() async throws {
        try await ServiceHarness.with { harness in
            let free = try await harness.order(plan: "trial")
            let conflict = try await #require(throws: ProvisionerError.self) {
                try await harness.orders.recordPayment(
                    id: free.id, status: "paid", reference: nil, requestID: nil, logger: harness.logger)
            }
            #expect(conflict.code == .stateConflict)
            let missing = try await #require(throws: ProvisionerError.self) {
                try await harness.orders.recordPayment(
                    id: "vm-missing", status: "paid", reference: nil, requestID: nil, logger: harness.logger)
            }
            #expect(missing.code == .notFound)
        }
    }

    // MARK: release

    @Test(.timeLimit(.minutes(1)))
    func releaseBeforePaymentCancelsAtOnce() async throws {
        try await ServiceHarness.with { harness in
            let order = try await harness.order(plan: "small")
            let released = try await harness.orders.requestRelease(id: order.id, requestID: nil, logger: harness.logger)
            #expect(released.state == .released)
            #expect(released.releaseRequested)
            #expect(released.releasedAt != nil)
            // Idempotent.
            let again = try await harness.orders.requestRelease(id: order.id, requestID: nil, logger: harness.logger)
            #expect(again.state == .released)
            #expect(harness.simulated.liveCount == 0)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func releaseOfAMissingOrderIsNotFound() async throws {
        try await ServiceHarness.with { harness in
            let error = try await #require(throws: ProvisionerError.self) {
                try await harness.orders.requestRelease(id: "vm-missing", requestID: nil, logger: harness.logger)
            }
            #expect(error.code == .notFound)
        }
    }
}
