public import Foundation

/// The outcome of one measured launch check, as it is stored beside the allocation.
///
/// A check is never inferred from a state: it reads ``CheckStatus/notRun`` until it was measured, and a
/// measurement always carries the time it was taken.
public struct CheckMeasurement: Sendable, Equatable {
    /// Whether the check ran and what it found.
    public var status: CheckStatus
    /// When the outcome was observed; `nil` when the check did not run.
    public var measuredAt: Date?
    /// What was seen, for operators only (`connection refused`, `no AAAA record for 'vm.example'`).
    ///
    /// It may name addresses and banners, so it never goes into a customer-facing message.
    public var detail: String?

    /// Creates a measurement.
    public init(status: CheckStatus, measuredAt: Date?, detail: String? = nil) {
        self.status = status
        self.measuredAt = measuredAt
        self.detail = detail
    }

    /// The check did not run: it is disabled, or there is nothing to measure.
    public static let notRun = CheckMeasurement(status: .notRun, measuredAt: nil)

    /// A passed check measured now.
    static func passed(_ detail: String, at date: Date = Date()) -> CheckMeasurement {
        CheckMeasurement(status: .passed, measuredAt: date, detail: detail)
    }

    /// A failed check measured now.
    static func failed(_ detail: String, at date: Date = Date()) -> CheckMeasurement {
        CheckMeasurement(status: .failed, measuredAt: date, detail: detail)
    }
}
