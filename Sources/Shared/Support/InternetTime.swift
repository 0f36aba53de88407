import Foundation

/// RFC 3339 timestamps in the one form Gatehouse writes, `2026-11-22T12:00:05Z` (UTC, whole
/// seconds): what JSONEncoder's `.iso8601` strategy writes, at a fraction of its cost.
/// Dates before 1583 (Foundation's Julian calendar) and every other form are left to Foundation. Going
/// through Calendar for every date was ~1% of idp-service's CPU under load, and every RPC body
/// and event with a date paid it twice (encode and decode). Anything else is left to
/// Foundation's ISO 8601 parser, so what was accepted before is accepted still.
public enum InternetTime {
  public static func format(_ date: Date) -> String {
    let seconds = date.timeIntervalSince1970.rounded(.down)
    guard seconds.isFinite, abs(seconds) < 1e13 else { return date.formatted(.iso8601) }
    let total = Int64(seconds)
    let (days, secondOfDay) = floorDivision(total, 86_400)
    let (year, month, day) = civil(fromDays: days)
    // Foundation reckons dates before the Gregorian reform (1582) in the Julian calendar.
    guard (1583...9999).contains(year) else { return date.formatted(.iso8601) }
    var bytes = [UInt8](repeating: 0, count: 20)
    func put(_ value: Int64, at offset: Int, digits: Int) {
      var value = value
      for index in stride(from: offset + digits - 1, through: offset, by: -1) {
        bytes[index] = UInt8(ascii: "0") + UInt8(value % 10)
        value /= 10
      }
    }
    put(year, at: 0, digits: 4)
    bytes[4] = UInt8(ascii: "-")
    put(month, at: 5, digits: 2)
    bytes[7] = UInt8(ascii: "-")
    put(day, at: 8, digits: 2)
    bytes[10] = UInt8(ascii: "T")
    put(secondOfDay / 3600, at: 11, digits: 2)
    bytes[13] = UInt8(ascii: ":")
    put(secondOfDay / 60 % 60, at: 14, digits: 2)
    bytes[16] = UInt8(ascii: ":")
    put(secondOfDay % 60, at: 17, digits: 2)
    bytes[19] = UInt8(ascii: "Z")
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The date of `text`: a valid `YYYY-MM-DDTHH:MM:SSZ` directly; anything else through
  /// Foundation, with its leniency (it reads `24:00:00` as the next midnight); nil when neither
  /// reads it.
  public static func parse(_ text: String) -> Date? {
    if let date = parseCanonical(text) { return date }
    return try? Date(text, strategy: .iso8601)
  }

  private static func parseCanonical(_ text: String) -> Date? {
    var text = text
    return text.withUTF8 { bytes -> Date? in
      guard bytes.count == 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
        bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "Z")
      else { return nil }
      func number(_ offset: Int, _ digits: Int) -> Int64? {
        var value: Int64 = 0
        for index in offset..<(offset + digits) {
          let digit = bytes[index] &- UInt8(ascii: "0")
          guard digit < 10 else { return nil }
          value = value * 10 + Int64(digit)
        }
        return value
      }
      guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
        let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
        year >= 1583, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
        hour < 24, minute < 60, second < 60
      else { return nil }
      let seconds = days(fromCivil: year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
      return Date(timeIntervalSince1970: TimeInterval(seconds))
    }
  }

  private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
    let quotient = value >= 0 ? value / divisor : (value - divisor + 1) / divisor
    return (quotient, value - quotient * divisor)
  }

  private static func daysIn(month: Int64, year: Int64) -> Int64 {
    switch month {
    case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }

  // The proleptic Gregorian calendar by era arithmetic (Howard Hinnant's days_from_civil and
  // civil_from_days, public domain algorithms).
  private static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
  }

  private static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
    let year = month <= 2 ? year - 1 : year
    let era = (year >= 0 ? year : year - 399) / 400
    let yearOfEra = year - era * 400
    let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }
}
