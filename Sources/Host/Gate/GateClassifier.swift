/// What the journal says about the thing an op acts on: where it came from.
///
/// Gathered from the store by the op's definition (``GateOpDefinition/provenance``), never from
/// the request.
public enum OpProvenance: Sendable, Equatable {
    /// Created by an attempt of ours that failed in a journaled step and never delivered a VM:
    /// nothing a customer could have written to.
    case failedAttempt
    /// Delivered to a customer (or held by one): may hold customer data.
    case customerData
    /// Nothing in the journal says where it came from.
    case unknown
}

/// Classifies an op by what it is and what the journal says about its target (DESIGN.md
/// section 11); an op it does not know is destructive.
public enum GateClassifier {
    /// The class of `op` acting on a target with `provenance`.
    public static func classify(op: String, provenance: OpProvenance) -> OpClass {
        switch op {
        case "restart_vm":
            // Starting a stopped VM loses nothing, whatever it holds.
            return .benign
        case "rotate_host_key":
            return .rotation
        case "purge_orphan", "force_release":
            // Tearing down what a failed attempt created is a rollback; anything else may hold data.
            return provenance == .failedAttempt ? .benign : .destructive
        case "decommission_pool_vm", "return_quarantined":
            // A pool VM may hold a previous customer's data until an operator says it does not.
            return .destructive
        default:
            return .destructive
        }
    }
}
