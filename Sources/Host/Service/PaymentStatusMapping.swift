/// Maps what a payment caller says to a payment state, failing safe.
public enum PaymentStatusMapping {
    /// `paid` only for an explicit `paid`; every other input, known or not, is `payment_required`.
    public static func map(_ status: String) -> PaymentStatus {
        status == "paid" ? .paid : .paymentRequired
    }
}
