import Foundation
import Shared

/// `token.refresh`: rotates a refresh token (docs/accounts.md, "Refresh"). Each token is spent
/// once; a retry within the service's grace window gets the same new pair; a spent token
/// presented later means it was stolen or copied, so its whole session is revoked. The rules
/// are `RefreshRules`; this type reads, decides, signs and writes.
struct Refresh: Sendable {
  let store: RefreshStore
  let tokens: TokenIssuer
  let keyRing: MasterKeyRing
  var sessionLimit: SessionRefreshLimit?
  let inFlight = RefreshesInFlight()

  /// `service`, when given, is the only service whose tokens may be refreshed here (an OAuth
  /// client refreshes only its own; a web client's cookie is its service's).
  func refresh(_ request: RefreshRequest, service: String? = nil, requestID: String?) async throws -> TokenGrant {
    let presented = RefreshRules.Presented(expectedService: service ?? request.service, cookieOrigin: request.cookieOrigin)
    // Refreshes of one token queue here on this instance; the conditional spend orders them across instances.
    return try await inFlight.serialize(request.refreshToken) {
      try await rotate(request.refreshToken, presented, requestID: requestID)
    }
  }

  /// One rotation, in two statements and no held transaction: read the token with everything
  /// the decision needs, sign the new pair, then spend the token with one conditional statement
  /// that also inserts its successor, touches the session and writes the audit row. Only one
  /// spend of a token can succeed; a request that loses the race reads the token again and is
  /// answered from the grace copy the winner kept, sealed, on the spent token.
  private func rotate(_ token: String, _ presented: RefreshRules.Presented, requestID: String?) async throws -> TokenGrant {
    let hash = RefreshStore.hash(token)
    let found = try await store.read(hash)
    guard let found else { throw RefreshRules.Refusal.unknownToken.problem }
    switch RefreshRules.evaluate(found.facts, presented) {
    case .rotate:
      break
    case let verdict:
      return try await settle(verdict, found, requestID: requestID)
    }
    let family = found.family
    let next = Base64URL.encode(SecureRandom.bytes(32))
    let grant = try await issue(family, refreshToken: next)
    let grace = try keyRing.seal(try JSONEncoder().encode(grant), purpose: Self.gracePurpose, context: family.tokenID.uuidString)
    if try await store.spend(family, grace: grace, next: RefreshStore.hash(next), lifetime: grant.refreshExpiresIn, requestID: requestID) {
      return grant
    }
    // Another request spent it between our read and our write: answer as a retry.
    guard let again = try await store.read(hash), again.used else { throw RefreshRules.Refusal.unknownToken.problem }
    return try await settle(RefreshRules.spent(again.facts, presented), again, requestID: requestID)
  }

  /// Answers every verdict but a rotation.
  private func settle(_ verdict: RefreshRules.Verdict, _ found: RefreshStore.Found, requestID: String?) async throws -> TokenGrant {
    switch verdict {
    case .rotate:
      throw RefreshRules.Refusal.unknownToken.problem
    case .refuse(let refusal):
      throw refusal.problem
    case .replay:
      guard let sealed = found.grace else { throw RefreshRules.Refusal.unknownToken.problem }
      let plain = try keyRing.open(sealed, purpose: Self.gracePurpose, context: found.family.tokenID.uuidString)
      return try JSONDecoder().decode(TokenGrant.self, from: Data(plain))
    case .reuse:
      try await store.endSessionForReuse(found.family, requestID: requestID)
      throw SignInProblems.refreshTokenReused.problem("This refresh token was already used; its session has been ended.")
    }
  }

  /// The next pair for the family, its refresh token `refreshToken`.
  private func issue(_ family: RefreshStore.Family, refreshToken: String) async throws -> TokenGrant {
    let service = family.service
    guard let member = family.member else { throw RefreshRules.Refusal.notMember.problem }
    try await sessionLimit?.admit(session: family.sessionID)
    let ttl = min(family.rememberMe ? service.rememberMeTTL : service.refreshTokenTTL, service.sessionLifetime)
    return try await tokens.grant(
      user: family.user, tokenVersion: family.tokenVersion,
      platformRole: OpenIDGrant.platformRole(family.platformRole, service: service, scopes: family.scopes), service: service,
      member: member, sessionID: family.sessionID, mfa: family.mfa, refreshToken: refreshToken, refreshTTL: ttl,
      clientType: family.clientType, scope: family.scopes?.joined(separator: " "))
  }

  static let gracePurpose = "token.refresh_grace"
}

/// One queue per refresh token being refreshed on this instance: a client that fires the same
/// refresh many times at once is answered one by one (the later ones from the grace copy) instead
/// of piling up on the row lock.
actor RefreshesInFlight {
  private var tails: [String: Task<Void, Never>] = [:]

  func serialize<T: Sendable>(_ key: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let previous = tails[key]
    let task = Task {
      await previous?.value
      return try await body()
    }
    let tail = Task { _ = try? await task.value }
    tails[key] = tail
    defer { Task { await self.forget(key, tail) } }
    return try await task.value
  }

  private func forget(_ key: String, _ tail: Task<Void, Never>) async {
    await tail.value
    if tails[key] == tail { tails[key] = nil }
  }
}
