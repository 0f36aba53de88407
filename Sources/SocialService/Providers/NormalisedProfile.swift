import Foundation

/// A provider's profile in Gatehouse's terms (docs/social.md), whatever shape the provider sent it in.
struct NormalisedProfile: Sendable, Codable, Equatable {
  var providerID: String
  var email: String?
  var emailVerified: Bool
  var firstName: String?
  var lastName: String?
  var fullName: String?
  var avatarURL: String?
  var locale: String?
  var username: String?
  /// The provider's own JSON, kept with the link.
  var raw: String

  /// Reads the mapping's paths out of the provider's JSON object. Ids may be numbers (Kakao,
  /// GitHub) or strings; "verified" flags may be booleans or the strings "true"/"false" (Apple).
  init?(_ json: JSONValue, mapping: ProfileMapping) {
    // What the tables hold: an id of at most 255 characters; an address longer than any valid
    // one counts as none. Checked before any account is made from it.
    guard let id = json[mapping.id]?.text, (1...255).contains(id.count) else { return nil }
    providerID = id
    email = mapping.email.flatMap { json[$0]?.text }.flatMap { (3...254).contains($0.count) && $0.contains("@") ? $0 : nil }
    emailVerified = email != nil && (mapping.emailVerified.flatMap { json[$0]?.flag } ?? false)
    firstName = mapping.firstName.flatMap { json[$0]?.text }
    lastName = mapping.lastName.flatMap { json[$0]?.text }
    fullName = mapping.fullName.flatMap { json[$0]?.text }
    locale = mapping.locale.flatMap { json[$0]?.text }
    username = mapping.username.flatMap { json[$0]?.text }
    if let template = mapping.avatarTemplate {
      avatarURL = json["avatar"]?.text.map {
        template.replacingOccurrences(of: "{id}", with: id).replacingOccurrences(of: "{avatar}", with: $0)
      }
    } else {
      avatarURL = mapping.avatarURL.flatMap { json[$0]?.text }
    }
    if fullName == nil, firstName != nil || lastName != nil {
      fullName = [firstName, lastName].compactMap { $0 }.joined(separator: " ")
    }
    // PostgreSQL's jsonb refuses the NUL character.
    raw = json.encoded.replacingOccurrences(of: "\\u0000", with: "")
  }
}

/// Any JSON value, decoded strictly (a number is never taken for a boolean), with dotted-path
/// look-up for profile mappings.
enum JSONValue: Codable, Sendable, Equatable {
  case null
  case bool(Bool)
  case integer(Int64)
  case number(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() {
      self = .null
    } else if let flag = try? c.decode(Bool.self) {
      self = .bool(flag)
    } else if let whole = try? c.decode(Int64.self) {
      self = .integer(whole)
    } else if let number = try? c.decode(Double.self) {
      self = .number(number)
    } else if let text = try? c.decode(String.self) {
      self = .string(text)
    } else if let list = try? c.decode([JSONValue].self) {
      self = .array(list)
    } else {
      self = .object(try c.decode([String: JSONValue].self))
    }
  }

  func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    switch self {
    case .null: try c.encodeNil()
    case .bool(let flag): try c.encode(flag)
    case .integer(let whole): try c.encode(whole)
    case .number(let number): try c.encode(number)
    case .string(let text): try c.encode(text)
    case .array(let list): try c.encode(list)
    case .object(let members): try c.encode(members)
    }
  }

  static func parse(_ bytes: some DataProtocol) -> JSONValue? {
    try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
  }

  /// The value at a dotted path (`kakao_account.profile.nickname`); `a|b` is the first of
  /// the two that is present.
  subscript(path: String) -> JSONValue? {
    if path.contains("|") { return path.split(separator: "|").lazy.compactMap { self[String($0)] }.first }
    var current: JSONValue? = self
    for key in path.split(separator: ".") {
      guard case .object(let members)? = current else { return nil }
      current = members[String(key)]
    }
    if case .null? = current { return nil }
    return current
  }

  /// Text for strings and numbers (ids come as both).
  var text: String? {
    switch self {
    case .string(let text): return text
    case .integer(let whole): return String(whole)
    case .number(let number): return String(number)
    default: return nil
    }
  }

  /// A boolean, or the strings "true"/"false" (Apple's ID token).
  var flag: Bool? {
    switch self {
    case .bool(let flag): return flag
    case .string(let text): return text.lowercased() == "true"
    default: return nil
    }
  }

  var list: [JSONValue] {
    if case .array(let items) = self { return items }
    return []
  }

  var encoded: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
  }

  /// Object members merged, `other`'s winning.
  func merged(with other: JSONValue) -> JSONValue {
    guard case .object(var mine) = self, case .object(let theirs) = other else { return other }
    for (key, value) in theirs { mine[key] = value }
    return .object(mine)
  }
}
