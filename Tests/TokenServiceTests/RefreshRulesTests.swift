import Shared
import Testing

@testable import TokenService

/// docs/accounts.md, "Refresh": which refresh is rotated, replayed, treated as theft or refused.
@Suite(.timeLimit(.minutes(2))) struct RefreshRulesTests {
  let fresh = RefreshRules.Facts(serviceSlug: "web-app", allowedOrigins: ["https://app.example"])
  let bodyRefresh = RefreshRules.Presented(expectedService: nil, cookieOrigin: nil)

  @Test func aFreshTokenOfAnOpenServiceRotates() {
    #expect(RefreshRules.evaluate(fresh, bodyRefresh) == .rotate)
    #expect(RefreshRules.evaluate(fresh, .init(expectedService: "web-app", cookieOrigin: "https://app.example")) == .rotate)
  }

  @Test func anUnknownExpiredOrEndedTokenIsRefused() {
    #expect(RefreshRules.evaluate(nil, bodyRefresh) == .refuse(.unknownToken))
    var expired = fresh
    expired.expired = true
    #expect(RefreshRules.evaluate(expired, bodyRefresh) == .refuse(.expired))
    var ended = fresh
    ended.sessionOver = true
    ended.used = true
    ended.withinGrace = true
    #expect(RefreshRules.evaluate(ended, bodyRefresh) == .refuse(.sessionEnded))
  }

  @Test func aRetryInsideTheGraceWindowIsReplayedAndAfterItIsTheft() {
    var retried = fresh
    retried.used = true
    retried.withinGrace = true
    #expect(RefreshRules.evaluate(retried, bodyRefresh) == .replay)
    var late = retried
    late.withinGrace = false
    #expect(RefreshRules.evaluate(late, bodyRefresh) == .reuse)
    // Theft is theft even when the token has expired since.
    late.expired = true
    #expect(RefreshRules.evaluate(late, bodyRefresh) == .reuse)
  }

  /// A replay passes every check a first refresh passes: a retry from a foreign origin or for
  /// another client gets nothing (docs/security.md).
  @Test func aReplayPassesTheSameChecksAsAFirstRefresh() {
    var retried = fresh
    retried.used = true
    retried.withinGrace = true
    for token in [fresh, retried] {
      #expect(RefreshRules.evaluate(token, .init(expectedService: nil, cookieOrigin: "https://evil.example")) == .refuse(.originNotAllowed))
      #expect(RefreshRules.evaluate(token, .init(expectedService: "admin-panel", cookieOrigin: nil)) == .refuse(.otherClient))
    }
  }

  @Test func anAccountOrServiceThatMayNoLongerSignInIsRefusedInOrder() {
    var barred = fresh
    barred.accountMayRefresh = false
    barred.isMember = false
    #expect(RefreshRules.evaluate(barred, .init(expectedService: "other", cookieOrigin: nil)) == .refuse(.accountBarred))
    var removed = fresh
    removed.isMember = false
    #expect(RefreshRules.evaluate(removed, bodyRefresh) == .refuse(.notMember))
    var closed = fresh
    let why = ServiceAdminProblems.serviceClosed.problem("The service web-app is suspended.")
    closed.serviceRefusal = why
    #expect(RefreshRules.evaluate(closed, bodyRefresh) == .refuse(.serviceNotOpen(why)))
    #expect(RefreshRules.Refusal.serviceNotOpen(why).problem == why)
  }

  @Test func everyRefusalAnswersWithItsDocumentedCode() {
    let refusals: [RefreshRules.Refusal] = [.unknownToken, .sessionEnded, .expired, .accountBarred, .otherClient, .notMember]
    for refusal in refusals {
      #expect(refusal.problem.code == "invalid_refresh_token")
      #expect(refusal.problem.statusCode == 401)
    }
    #expect(RefreshRules.Refusal.originNotAllowed.problem.code == "origin_not_allowed")
    #expect(RefreshRules.Refusal.originNotAllowed.problem.statusCode == 403)
  }
}
