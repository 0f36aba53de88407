import Hummingbird
import Shared

extension AccessTokenVerifier {
  /// The verified claims of the request's `Authorization: Bearer` token, or a 401 challenge.
  func bearer(_ request: Request, context: some GatewayContext) async throws -> AccessTokenClaims {
    guard let authorization = request.headers[.authorization], authorization.lowercased().hasPrefix("bearer ") else {
      throw BearerChallenge(Self.missingBearer)
    }
    do {
      return try await verify(String(authorization.dropFirst(7)), context: context.rpcContext)
    } catch {
      if error.code == SignInProblems.invalidToken.code { await refused(error, request: request, context: context) }
      throw BearerChallenge(error)
    }
  }

  /// A token that was sent and refused (not an outage): counted by reason, and per client address
  /// for the invalid-tokens signal (docs/security.md, "Signals").
  private func refused(_ problem: Problem, request: Request, context: some GatewayContext) async {
    SecurityCounters.tokenRefused(Refusal.of(problem)?.rawValue ?? Refusal.malformed.rawValue)
    if let signals, let ip = context.client(request).ip { await signals.count(.invalidTokensFromAddress, subject: ip) }
  }

  /// The claims of a user's token: a service's own token (`client_credentials`) has no user
  /// or session, so the account routes refuse it. Each call counts against the user's limit
  /// (docs/limits.md), keyed by the verified `sub`, so no one can spend another's.
  func signedInUser(_ request: Request, context: some GatewayContext) async throws -> AccessTokenClaims {
    let claims = try await bearer(request, context: context)
    guard claims.sid != nil else {
      throw SignInProblems.userTokenRequired.problem("This route acts for a signed-in user; a client's own token has none.")
    }
    if let limits { _ = try await limits.enforce([(limits.user, claims.sub)]) }
    return claims
  }

  static let missingBearer = invalid("Send the access token as 'Authorization: Bearer <token>'.")
}
