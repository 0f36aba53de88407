import Foundation

/// One scope of a service's catalogue (docs/oidc.md, "A service's own scopes"): what the consent
/// page says of it in each language, whether every member holds it (`default`), and whether every
/// authorization of the service includes it (`required`, which implies default).
public struct ServiceScope: Codable, Sendable, Equatable {
  public var name: String
  public var descriptionKo: String
  public var descriptionEn: String
  public var isDefault: Bool
  public var isRequired: Bool

  public init(name: String, descriptionKo: String, descriptionEn: String, isDefault: Bool = false, isRequired: Bool = false) {
    self.name = name
    self.descriptionKo = descriptionKo
    self.descriptionEn = descriptionEn
    self.isDefault = isDefault
    self.isRequired = isRequired
  }

  enum CodingKeys: String, CodingKey {
    case name
    case descriptionKo = "description_ko"
    case descriptionEn = "description_en"
    case isDefault = "default"
    case isRequired = "required"
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    name = try container.decode(String.self, forKey: .name)
    descriptionKo = try container.decode(String.self, forKey: .descriptionKo)
    descriptionEn = try container.decode(String.self, forKey: .descriptionEn)
    isDefault = try container.decodeIfPresent(Bool.self, forKey: .isDefault) ?? false
    isRequired = try container.decodeIfPresent(Bool.self, forKey: .isRequired) ?? false
  }
}

/// A service scope's words on the consent page, by language.
public struct ScopeWords: Codable, Sendable, Equatable {
  public var ko: String
  public var en: String

  public init(ko: String, en: String) {
    self.ko = ko
    self.en = en
  }
}
