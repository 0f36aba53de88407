import Hummingbird
import Shared

/// The body of a token response (`/api/v1/auth/login` and `/refresh`, `/api/v1/auth/mfa/verify`, `/api/v1/social/token`).
struct TokenResponseBody: Codable {
  let accessToken: String
  let tokenType: String
  let expiresIn: Int
  /// Absent for web clients: theirs travels only in their service's `__Host-gh_refresh_<slug>` cookie.
  let refreshToken: String?
  let user: UserSummary
  let service: ServiceSummary

  /// The token response, with the refresh token moved into the cookie for web clients.
  static func response(for grant: TokenGrant) throws -> Response {
    var response = try JSONResponse.make(TokenResponseBody(grant))
    if grant.clientType == .web {
      response.headers[.setCookie] = RefreshCookie.header(grant)
    }
    return response
  }

  init(_ grant: TokenGrant) {
    accessToken = grant.accessToken
    tokenType = "Bearer"
    expiresIn = grant.expiresIn
    refreshToken = grant.clientType == .web ? nil : grant.refreshToken
    user = grant.user
    service = grant.service
  }

  enum CodingKeys: String, CodingKey {
    case accessToken = "access_token"
    case tokenType = "token_type"
    case expiresIn = "expires_in"
    case refreshToken = "refresh_token"
    case user, service
  }
}
