import Foundation
import Shared

/// Whether a refresh token may be rotated, replayed from its grace copy, or is a sign of theft
/// (docs/accounts.md, "Refresh"). Pure: every branch is tested without a database.
enum RefreshRules {
  /// What the store found about the presented token and its session.
  struct Facts: Sendable, Equatable {
    var sessionOver = false
    var used = false
    var expired = false
    /// Spent less than the service's grace window ago, and its pair is kept.
    var withinGrace = false
    /// The account is active and an active member of the service.
    var accountMayRefresh = true
    /// The account still has a role in the service.
    var isMember = true
    var serviceSlug: String
    /// Why the service takes no refreshes (closed or deleted), if it takes none.
    var serviceRefusal: Problem? = nil
    var allowedOrigins: [String] = []
  }

  /// What the caller brought besides the token.
  struct Presented: Sendable, Equatable {
    /// The only service whose tokens may be refreshed here (an OAuth client's own, a cookie's service).
    var expectedService: String?
    /// The `Origin` of a cookie refresh; nil for a token sent in the body.
    var cookieOrigin: String?
  }

  enum Refusal: Sendable, Equatable {
    case unknownToken, sessionEnded, expired, accountBarred, otherClient, notMember, originNotAllowed
    case serviceNotOpen(Problem)
  }

  enum Verdict: Sendable, Equatable {
    /// Spend the token and issue the next pair.
    case rotate
    /// A retry within the grace window: the pair the first rotation issued.
    case replay
    /// A spent token after the grace window: end the session.
    case reuse
    case refuse(Refusal)
  }

  static func evaluate(_ token: Facts?, _ presented: Presented) -> Verdict {
    guard let token else { return .refuse(.unknownToken) }
    if token.sessionOver { return .refuse(.sessionEnded) }
    if token.used { return spent(token, presented) }
    if token.expired { return .refuse(.expired) }
    if let refusal = admission(token, presented) { return .refuse(refusal) }
    return .rotate
  }

  /// A token already spent (found so, or spent by a concurrent request after it was read). A
  /// replay passes every check a first refresh passes: a retry from a foreign origin gets nothing.
  static func spent(_ token: Facts, _ presented: Presented) -> Verdict {
    guard token.withinGrace else { return .reuse }
    if let refusal = admission(token, presented) { return .refuse(refusal) }
    return .replay
  }

  /// Whether this caller may refresh this token's session now.
  static func admission(_ token: Facts, _ presented: Presented) -> Refusal? {
    guard token.accountMayRefresh else { return .accountBarred }
    if let expected = presented.expectedService, token.serviceSlug != expected { return .otherClient }
    guard token.isMember else { return .notMember }
    if let refusal = token.serviceRefusal { return .serviceNotOpen(refusal) }
    if let origin = presented.cookieOrigin, !token.allowedOrigins.contains(origin) { return .originNotAllowed }
    return nil
  }
}

extension RefreshRules.Refusal {
  var problem: Problem {
    switch self {
    case .unknownToken: Self.invalid("The refresh token is not known.")
    case .sessionEnded: Self.invalid("The session has ended.")
    case .expired: Self.invalid("The refresh token has expired.")
    case .accountBarred: Self.invalid("The account may no longer sign in to this service.")
    case .otherClient: Self.invalid("The refresh token was issued to another client.")
    case .notMember: Self.invalid("The account is no longer a member of the service.")
    case .originNotAllowed:
      RequestProblems.originNotAllowed.problem("A cookie refresh must come from one of the service's allowed origins.")
    case .serviceNotOpen(let problem): problem
    }
  }

  private static func invalid(_ detail: String) -> Problem { SignInProblems.invalidRefreshToken.problem(detail) }
}
