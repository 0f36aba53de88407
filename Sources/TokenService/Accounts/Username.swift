import Foundation
import Shared

/// What a username is (docs/security.md): one account per name as people read it. A name is stored in
/// NFKC (composed and decomposed `josé` are one text, fullwidth `ａｄｍｉｎ` is `admin`), and
/// its key, which must be unique, is that with case folded. Letters come from one script, or
/// from a combination one language writes in (Latin with Han and Kana, or with Hangul): `аdmin`
/// with a Cyrillic `а` is refused, not a second `admin`.
enum Username {
  /// The name as stored: NFKC, surrounding white space removed.
  static func normalised(_ typed: String) -> String {
    typed.precomposedStringWithCompatibilityMapping.trimmingCharacters(in: .whitespaces)
  }

  /// The name as compared: `normalised` with case folded (then NFKC again, as folding can
  /// leave text that is not).
  static func key(_ typed: String) -> String {
    normalised(typed).lowercased().precomposedStringWithCompatibilityMapping
  }

  /// Checks a new name and returns it as stored, or names the rule it breaks.
  static func checked(_ typed: String) throws(Problem) -> String {
    let name = normalised(typed)
    // Counted as PostgreSQL counts: code points.
    guard (3...150).contains(name.unicodeScalars.count) else {
      throw RequestProblems.invalidField.problem("A username has 3 to 150 characters.", field: "username")
    }
    guard name.unicodeScalars.allSatisfy({ Self.isAllowed($0) }) else {
      throw RequestProblems.invalidField.problem("A username may hold letters, digits, '.', '_' and '-' only.", field: "username")
    }
    guard Script.mixIsAllowed(Set(name.unicodeScalars.compactMap(Script.of))) else {
      throw RequestProblems.invalidField.problem(
        "A username's letters come from one script (Hangul or Han with Latin is fine).",
        field: "username")
    }
    return name
  }

  private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.properties.generalCategory {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .otherLetter, .modifierLetter, .decimalNumber,
      .nonspacingMark, .spacingMark:
      return true
    default:
      return "._-".unicodeScalars.contains(scalar)
    }
  }

  /// The writing systems a username can draw its letters from, coarsely by block. Digits,
  /// `._-` and combining marks belong to none.
  enum Script: Hashable {
    case latin, greek, cyrillic, armenian, hebrew, arabic, devanagari, thai, georgian, hangul, han, hiragana, katakana, bopomofo,
      other

    static func of(_ scalar: Unicode.Scalar) -> Script? {
      let properties = scalar.properties
      guard properties.isAlphabetic, properties.generalCategory != .nonspacingMark, properties.generalCategory != .spacingMark else {
        return nil
      }
      switch scalar.value {
      case 0x41...0x5A, 0x61...0x7A, 0xAA, 0xBA, 0xC0...0x24F, 0x1E00...0x1EFF, 0x2C60...0x2C7F, 0xA720...0xA7FF, 0xAB30...0xAB6F:
        return .latin
      case 0x370...0x3FF, 0x1F00...0x1FFF: return .greek
      case 0x400...0x52F, 0x1C80...0x1C8F, 0x2DE0...0x2DFF, 0xA640...0xA69F: return .cyrillic
      case 0x530...0x58F: return .armenian
      case 0x590...0x5FF: return .hebrew
      case 0x600...0x6FF, 0x750...0x77F, 0x8A0...0x8FF: return .arabic
      case 0x900...0x97F: return .devanagari
      case 0xE00...0xE7F: return .thai
      case 0x10A0...0x10FF: return .georgian
      case 0x1100...0x11FF, 0x3130...0x318F, 0xA960...0xA97F, 0xAC00...0xD7FF: return .hangul
      case 0x2E80...0x2FDF, 0x3005, 0x3007, 0x3021...0x3029, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x3FFFF:
        return .han
      case 0x3040...0x309F: return .hiragana
      case 0x30A0...0x30FF, 0x31F0...0x31FF: return .katakana
      case 0x3100...0x312F, 0x31A0...0x31BF: return .bopomofo
      default: return .other
      }
    }

    /// One script, or a combination one language writes in (UTS #39's "highly restrictive").
    static func mixIsAllowed(_ scripts: Set<Script>) -> Bool {
      if scripts.count <= 1 { return true }
      let combinations: [Set<Script>] = [[.latin, .han, .hiragana, .katakana], [.latin, .han, .bopomofo], [.latin, .han, .hangul]]
      return combinations.contains { scripts.isSubset(of: $0) }
    }
  }
}
