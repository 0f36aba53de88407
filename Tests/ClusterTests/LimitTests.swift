import Foundation
import Testing

@testable import Shared
@testable import TestSupport

/// The limits of issue 22: service providers per client id, signed-in users, refreshes per
/// session (docs/limits.md), each turned on here and off everywhere else.
@Suite(.serialized, .timeLimit(.minutes(5))) struct LimitTests {
  /// An SP behind one address makes more calls than the per-address limit allows, as its own
  /// limit says; an SP with a lower limit of its own is held to it; wrong credentials still count
  /// against the address. Caught: SPs fell under the 100-a-minute per-address limit (here 5), so
  /// the sixth call of any SP from one address was a 429.
  @Test func serviceProvidersAreLimitedPerClientIDNotPerAddress() async throws {
    try await withCluster(environment: ["GATEHOUSE_RATE_LIMIT_API": "5/60", "GATEHOUSE_RATE_LIMIT_SP": "1000/60"]) { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let busy = try await cluster.api.makeSP(callback: "http://127.0.0.1:9/cb")
      let small = try await cluster.api.makeSP(callback: "http://127.0.0.1:9/cb")
      let set = try cluster.start("idp-service", arguments: ["admin", "call-limit", "--client-id", small.clientID, "--per-minute", "3"])
      #expect(await set.waitForExit(timeout: .seconds(20)) == 0, "\(set.log)")

      let path = "/api/v1/idp/requests/\(UUID().uuidString.lowercased())"
      var busyStatuses: [Int] = []
      for _ in 0..<12 { busyStatuses.append(try await cluster.get(path, headers: busy.auth).status) }
      #expect(!busyStatuses.contains(429) && Set(busyStatuses).count == 1, "\(busyStatuses)")

      var smallAnswers: [Answer<VerificationStatus>] = []
      for _ in 0..<4 { smallAnswers.append(try await cluster.api.get(path, as: VerificationStatus.self, headers: small.auth)) }
      #expect(smallAnswers.map(\.status).prefix(3).allSatisfy { $0 != 429 }, "\(smallAnswers.map(\.status))")
      let refused = try #require(smallAnswers.last)
      #expect(refused.status == 429 && refused.problem?.code == "rate_limited", "\(refused.body)")
      #expect(Int(refused.headers["retry-after"] ?? "") ?? 0 >= 1)
      #expect(refused.headers["ratelimit-limit"] == "3")

      // A made-up secret buys no budget of its own: those calls count against the address.
      let forged = SPClient(clientID: busy.clientID, clientSecret: "guess", webhookSecret: [], resultKey: "", kid: "")
      var forgedStatuses: [Int] = []
      for _ in 0..<6 { forgedStatuses.append(try await cluster.get(path, headers: forged.auth).status) }
      #expect(forgedStatuses.first == 401 && forgedStatuses.last == 429, "\(forgedStatuses)")
      // The SP itself is not held back by what was done with its client id.
      #expect(try await cluster.get(path, headers: busy.auth).status == busyStatuses.first)
    }
  }

  /// One signed-in user's calls are limited wherever they come from; another user at the same
  /// address is not held back. Caught: there was no per-user limit (DESIGN section 7).
  @Test func aSignedInUserIsLimitedAndAnotherIsNot() async throws {
    try await withCluster(environment: ["GATEHOUSE_RATE_LIMIT_USER": "3/60"]) { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let first = try await cluster.api.makeAccount()
      let second = try await cluster.api.makeAccount()
      let firstToken = try await cluster.api.signIn(first).accessToken
      let secondToken = try await cluster.api.signIn(second).accessToken
      var answers: [Answer<Profile>] = []
      for _ in 0..<4 { answers.append(try await cluster.api.get("/api/v1/users/me", as: Profile.self, headers: bearer(firstToken))) }
      #expect(answers.map(\.status) == [200, 200, 200, 429], "\(answers.map(\.status))")
      #expect(answers[3].problem?.code == "rate_limited" && answers[3].headers["retry-after"] != nil)
      #expect(try await cluster.api.get("/api/v1/users/me", headers: bearer(secondToken)).status == 200)
    }
  }

  /// Refreshes of one session are limited (seed 000: 20 a minute; here 2); a refused refresh
  /// spends nothing, and the person's other session refreshes. Caught: refreshes were unlimited.
  @Test func refreshesAreLimitedPerSession() async throws {
    try await withCluster(environment: ["GATEHOUSE_RATE_LIMIT_REFRESH": "2/60"]) { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      var token = try #require(try await cluster.api.signIn(account).refreshToken)
      for _ in 0..<2 {
        let rotated = try await cluster.api.refresh(token)
        #expect(rotated.status == 200, "\(rotated.body)")
        token = try #require(try rotated.decoded().refreshToken)
      }
      let refused = try await cluster.api.refresh(token)
      #expect(refused.status == 429 && refused.problem?.code == "rate_limited", "\(refused.body)")
      #expect(Int(refused.headers["retry-after"] ?? "") ?? 0 >= 1)
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        let rows = try await owner.query(
          """
          SELECT used_at IS NULL FROM token.refresh_tokens WHERE token_hash = sha256(convert_to(\(token), 'UTF8'))
          """, logger: TestEnvironment.logger
        ).collect()
        #expect(try rows.first?.decode(Bool.self) == true, "the refused refresh spent the token")
      }
      let other = try #require(try await cluster.api.signIn(account).refreshToken)
      #expect(try await cluster.api.refresh(other).status == 200)
    }
  }
}
