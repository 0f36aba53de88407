/// The bodies of the linked-account routes (SocialController).
extension SocialController {
  struct LinkStart: Decodable {
    let redirectURI: String
    let state: String?
    let currentPassword: String?

    enum CodingKeys: String, CodingKey {
      case redirectURI = "redirect_uri"
      case currentPassword = "current_password"
      case state
    }
  }

  struct LinkCode: Decodable {
    let linkCode: String
    let currentPassword: String?

    enum CodingKeys: String, CodingKey {
      case linkCode = "link_code"
      case currentPassword = "current_password"
    }
  }

  struct CurrentPasswordBody: Decodable {
    let currentPassword: String?

    enum CodingKeys: String, CodingKey {
      case currentPassword = "current_password"
    }
  }

  struct LinkStarted: Codable {
    let authorizeURL: String

    enum CodingKeys: String, CodingKey {
      case authorizeURL = "authorize_url"
    }
  }
}
