import Foundation
import Histogram

/// Latencies in microseconds, recorded into an HdrHistogram (1 µs .. 100 s, 3 significant digits).
struct LatencyRecorder: Sendable {
    private(set) var histogram = Histogram<UInt64>(
        lowestDiscernibleValue: 1, highestTrackableValue: 100_000_000, numberOfSignificantValueDigits: .three)

    /// Records one duration.
    mutating func record(_ duration: Duration) {
        let micros = duration.microseconds
        _ = histogram.record(UInt64(min(max(micros, 1), 100_000_000)))
    }

    /// Records a value already in microseconds.
    mutating func record(micros: Double) {
        _ = histogram.record(UInt64(min(max(micros, 1), 100_000_000)))
    }

    mutating func merge(_ other: LatencyRecorder) { histogram.add(other.histogram) }

    var count: Int { Int(histogram.totalCount) }

    /// p50, p99 and max in milliseconds.
    var summary: LatencySummary {
        guard histogram.totalCount > 0 else { return LatencySummary(count: 0, p50: 0, p99: 0, max: 0) }
        return LatencySummary(
            count: Int(histogram.totalCount),
            p50: Double(histogram.valueAtPercentile(50)) / 1000,
            p99: Double(histogram.valueAtPercentile(99)) / 1000,
            max: Double(histogram.max) / 1000)
    }
}

/// A latency distribution, in milliseconds.
struct LatencySummary: Codable, Sendable {
    var count: Int
    var p50: Double
    var p99: Double
    var max: Double

    var text: String { String(format: "%.2f / %.2f / %.2f", p50, p99, max) }
}

extension Duration {
    /// The duration in microseconds (truncated).
    var microseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }

    /// The duration in seconds.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
