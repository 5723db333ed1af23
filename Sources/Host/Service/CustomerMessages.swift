/// The fixed set of texts a customer may see, one per state. Nothing else reaches a public route.
public enum CustomerMessages {
    /// The safe text for `state`.
    public static func text(for state: LaunchProofStatus) -> String {
        switch state {
        case .paymentRequired: "Waiting for payment."
        case .paid: "Payment received. Your machine will be set up shortly."
        case .provisioning: "Your machine is being set up."
        case .provisioned: "Your machine is ready."
        case .degraded: "Your machine is running, but a launch check did not pass. Our team has been notified."
        case .failed: "Your machine could not be set up. Please try again or contact support."
        case .rolledBack: "Setting up your machine failed and was undone. It can be tried again."
        case .releasing: "Your machine is being released."
        case .released: "Your machine has been released."
        }
    }
}
