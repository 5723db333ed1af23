import Foundation
import NIOCore

/// ``JSONValue/timestamp(_:)``'s format (RFC 3339, UTC, milliseconds truncated, as
/// `Date.ISO8601FormatStyle(includingFractionalSeconds: true)` writes it) computed by hand into a
/// buffer: the Foundation formatter is the costliest step of a small response. A test compares
/// the two over many instants.
enum TimestampBytes {
    /// The 24 bytes `YYYY-MM-DDTHH:MM:SS.mmmZ` of `date` (years 0-9999).
    static func write(_ date: Date, into buffer: inout ByteBuffer) {
        let reference = date.timeIntervalSinceReferenceDate
        let whole = reference.rounded(.down)
        let milliseconds = min(999, Int((reference - whole) * 1000))
        let seconds = Int(whole) + 978_307_200
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(daysSinceEpoch: days)
        writeTwo(year / 100, into: &buffer)
        writeTwo(year % 100, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "-"))
        writeTwo(month, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "-"))
        writeTwo(day, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "T"))
        writeTwo(secondOfDay / 3600, into: &buffer)
        buffer.writeInteger(UInt8(ascii: ":"))
        writeTwo(secondOfDay / 60 % 60, into: &buffer)
        buffer.writeInteger(UInt8(ascii: ":"))
        writeTwo(secondOfDay % 60, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "."))
        buffer.writeInteger(UInt8(48 + milliseconds / 100))
        writeTwo(milliseconds % 100, into: &buffer)
        buffer.writeInteger(UInt8(ascii: "Z"))
    }

    /// The proleptic Gregorian date of a day count from 1970-01-01 (Howard Hinnant's `civil_from_days`).
    static func civil(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let days = daysSinceEpoch + 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func writeTwo(_ value: Int, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(48 + value / 10))
        buffer.writeInteger(UInt8(48 + value % 10))
    }
}
