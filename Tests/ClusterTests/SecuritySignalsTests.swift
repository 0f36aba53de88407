import Foundation
import Testing

@testable import Shared
@testable import TestSupport

/// The seed's suspicious-activity rules through the real executables (issue 25, docs/security.md
/// "Signals"): each crossing raises `gatehouse_security_signals_total{rule}` once on the service
/// that saw it, beside the totals (refused tokens by reason, sign-ins by outcome, verifications
/// by outcome); going on past the threshold raises nothing more. deploy/prometheus/alerts.yml
/// alerts on these series (SecurityAlertRulesTests).
///
/// Caught on the code before: none of these series existed on any `/metrics`.
@Suite(.serialized, .timeLimit(.minutes(5))) struct SecuritySignalsTests {
  static let signals = "gatehouse_security_signals_total"

  @Test func eachRuleIsRaisedOnceWhenCrossed() async throws {
    // Addresses come from X-Forwarded-For, so one test plays several clients.
    try await withCluster(environment: ["GATEHOUSE_TRUSTED_PROXIES": "127.0.0.1"], startAll: false) { cluster in
      try await cluster.startGateway()
      let token = try cluster.startWithMetrics("token-service", instance: "token-1").metricsPort
      let idp = try cluster.startWithMetrics("idp-service", instance: "idp-1").metricsPort
      try cluster.start("social-service")
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      #expect(try await cluster.counter(Self.signals, "rule", "invalid_tokens_from_address") == 0, "registered at 0")

      // Seven refused tokens from one address: raised once, at the sixth.
      for _ in 0..<7 {
        let refused = try await cluster.api.get(
          "/api/v1/users/me", headers: ["Authorization": "Bearer not-a-token", "X-Forwarded-For": "192.0.2.7"])
        #expect(refused.status == 401)
      }
      #expect(try await cluster.counter(Self.signals, "rule", "invalid_tokens_from_address") == 1)
      #expect(try await cluster.counter("gatehouse_tokens_refused_total", "reason", "malformed") >= 7)

      // Five attempts on one account from three addresses within the hour.
      let account = try await cluster.api.makeAccount()
      for (index, address) in ["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.1", "198.51.100.2"].enumerated() {
        let body = LoginBody(
          service: account.slug, username: account.username, email: nil,
          password: index == 4 ? account.password : "wrong horse \(index)", rememberMe: nil, clientType: .mobile)
        _ = try await cluster.api.post("/api/v1/auth/login", body, headers: ["X-Forwarded-For": address])
      }
      #expect(try await cluster.counter(Self.signals, "rule", "addresses_of_account", metricsPort: token) == 1)
      #expect(try await cluster.counter("gatehouse_sign_ins_total", "outcome", "failure", metricsPort: token) == 4)
      #expect(try await cluster.counter("gatehouse_sign_ins_total", "outcome", "success", metricsPort: token) >= 1)

      // Three failed verifications of one person (wrong PINs) within the week.
      let sp = try await cluster.api.makeSP(callback: "http://127.0.0.1:9/callback")
      let person = try await cluster.api.makePerson()
      for _ in 0..<4 {
        let id = try await cluster.api.request(sp, person)
        #expect(try await cluster.api.confirm(person, id, pin: "000000").status != 200)
      }
      #expect(try await cluster.counter(Self.signals, "rule", "failed_verifications_of_person", metricsPort: idp) == 1)
      #expect(try await cluster.counter("gatehouse_verifications_total", "outcome", "wrong_pin", metricsPort: idp) == 4)
      #expect(cluster.logs.contains("security signal"), "each raise is logged, naming its subject")
    }
  }
}
