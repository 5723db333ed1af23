import Logging
import ProvisionerAPI

/// One run of the conformance checks: records outcomes and what must be cleaned up.
struct ConformanceRun {
    let backend: any Provisioner
    let options: ProvisionerConformance.Options
    let logger: Logger
    private(set) var passed: [String] = []
    private(set) var failures: [(check: String, reason: String)] = []
    private var allocated: [String] = []
    private var counter = 0
    private let runID = String(UInt64.random(in: 0...UInt64.max), radix: 36)

    init(backend: any Provisioner, options: ProvisionerConformance.Options, logger: Logger) {
        self.backend = backend
        self.options = options
        self.logger = logger
    }

    private mutating func newRequest() -> AllocationRequest {
        counter += 1
        let id = "\(options.allocationIDPrefix)-\(runID)-\(counter)"
        allocated.append(id)
        return AllocationRequest(
            allocationID: id, userID: "conformance-user", plan: options.plan,
            hostname: "conf-\(counter).example.test", sshPublicKeys: ["ssh-ed25519 AAAAC3Nza conformance"])
    }

    /// Runs one check; any thrown error, or a thrown non-``ProvisionerError``, fails it.
    private mutating func check(_ name: String, _ body: (inout ConformanceRun) async throws -> String?) async {
        do {
            if let reason = try await body(&self) {
                failures.append((name, reason))
            } else {
                passed.append(name)
            }
        } catch let error as ProvisionerError {
            failures.append((name, "unexpected error \(error.code): \(error)"))
        } catch {
            failures.append((name, "threw \(type(of: error)), not ProvisionerError: \(error)"))
        }
    }

    mutating func checkNameAndIdentity() async {
        await check("name") { run in
            run.backend.name.isEmpty ? "name is empty" : nil
        }
    }

    mutating func checkRoundTrip() async {
        await check("allocate/status/release round trip") { run in
            let request = run.newRequest()
            let vm = try await run.backend.allocate(request, logger: run.logger)
            if vm.allocationID != request.allocationID {
                return "allocation id \(vm.allocationID) differs from the request's \(request.allocationID)"
            }
            if vm.backend != run.backend.name {
                return "allocation names backend '\(vm.backend)', not '\(run.backend.name)'"
            }
            let live = try await run.backend.status(vm, logger: run.logger)
            if live.powerState == .gone {
                return "status of a just-allocated VM is gone"
            }
            try await run.backend.release(vm, logger: run.logger)
            let after = try await run.backend.status(vm, logger: run.logger)
            if after.powerState != .gone {
                return "status of a released VM is \(after.powerState), expected gone"
            }
            return nil
        }
    }

    mutating func checkIdempotentAllocate() async {
        await check("idempotent allocate") { run in
            let request = run.newRequest()
            let first = try await run.backend.allocate(request, logger: run.logger)
            let second = try await run.backend.allocate(request, logger: run.logger)
            defer { _ = first }
            if first != second {
                return
                    "a second allocate with the same id returned a different VM (\(first.backendRef ?? "nil") vs \(second.backendRef ?? "nil"))"
            }
            try await run.backend.release(first, logger: run.logger)
            return nil
        }
    }

    mutating func checkIdempotentRelease() async {
        await check("idempotent release") { run in
            let request = run.newRequest()
            let vm = try await run.backend.allocate(request, logger: run.logger)
            try await run.backend.release(vm, logger: run.logger)
            try await run.backend.release(vm, logger: run.logger)
            // Release from the allocation id alone, as after a crash mid-allocate.
            let bare = VmAllocation(allocationID: vm.allocationID, backend: run.backend.name)
            try await run.backend.release(bare, logger: run.logger)
            return nil
        }
    }

    mutating func checkUnknownAllocation() async {
        await check("status and release of an unknown allocation") { run in
            let unknown = VmAllocation(
                allocationID: "\(run.options.allocationIDPrefix)-never-allocated-\(run.runID)",
                backend: run.backend.name)
            let status = try await run.backend.status(unknown, logger: run.logger)
            if status.powerState != .gone {
                return "status of a never-allocated VM is \(status.powerState), expected gone"
            }
            try await run.backend.release(unknown, logger: run.logger)
            return nil
        }
    }

    mutating func checkConcurrentAllocationsAreDistinct() async {
        await check("concurrent allocates never return the same VM") { run in
            let requests = (0..<run.options.concurrentAllocations).map { _ in run.newRequest() }
            let backend = run.backend
            let logger = run.logger
            let vms = try await withThrowingTaskGroup(of: VmAllocation.self) { group in
                for request in requests {
                    group.addTask { try await backend.allocate(request, logger: logger) }
                }
                return try await group.reduce(into: [VmAllocation]()) { $0.append($1) }
            }
            defer { _ = vms }
            let refs = vms.compactMap(\.backendRef)
            if Set(refs).count != refs.count {
                return "\(refs.count - Set(refs).count) backend refs were handed out twice"
            }
            if Set(vms.map(\.allocationID)).count != vms.count {
                return "allocation ids came back duplicated"
            }
            let addresses = vms.compactMap(\.ipv6)
            if Set(addresses).count != addresses.count {
                return "an IPv6 address was handed out twice"
            }
            for vm in vms { try await backend.release(vm, logger: logger) }
            return nil
        }
    }

    mutating func checkErrorsCarryCodes() async {
        await check("errors carry codes") { run in
            var request = run.newRequest()
            request.allocationID = ""
            do {
                _ = try await run.backend.allocate(request, logger: run.logger)
                return "allocate with an empty allocation id succeeded"
            } catch let error as ProvisionerError {
                if error.code.rawValue.isEmpty { return "error has an empty code" }
                if error.customerMessage.isEmpty { return "error \(error.code) has an empty customer message" }
                return nil
            } catch {
                return "allocate threw \(type(of: error)), not ProvisionerError"
            }
        }
    }

    /// Releases everything the run allocated, whatever failed.
    mutating func cleanUp() async {
        for id in allocated where !id.isEmpty {
            try? await backend.release(VmAllocation(allocationID: id, backend: backend.name), logger: logger)
        }
    }
}
