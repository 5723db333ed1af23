import HTTPTypes
import Hummingbird
import ProvisionerAPI

/// `POST /admin/vm/{id}/restore` (admin): a new allocation adopting the VM a release kept
/// (`on_release: halt_then_destroy`), within its grace period. 201 with the new allocation and a
/// `Location`; 409 `state_conflict` after the grace, or when nothing is kept.
struct RestoreRoutes {
    let orders: OrderService
    let store: any Store
    let adminAuth: BearerAuthenticator

    func register(on router: Router<ProvisionerRequestContext>) {
        router.post("/admin/vm/{id}/restore") { request, context in
            try adminAuth.authenticate(request)
            let id = try context.parameters.require("id")
            let (record, replayed) = try await orders.restore(
                id: id, requestID: context.requestID, logger: context.logger)
            var headers = HTTPFields()
            headers[.location] = "/v1/vm/\(record.id)"
            if replayed { headers[.idempotentReplayed] = "true" }
            let forgeID = try await store.user(id: record.userID)?.forgeID
            return JSONResponse.make(
                replayed ? .ok : .created, AllocationViews.full(record, forgeID: forgeID), headers: headers)
        }
    }
}
