import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

/// docs/admin.md ("TOTP MFA") and docs/social.md promise the second factor on every way in, not
/// only the JSON password sign-in: the OAuth password grant answers `mfa_required` with an
/// `mfa_token`, a social sign-in's code exchange does too, and a password-less account enrols
/// only within 10 minutes of signing in. None of these was tested before issue 28's audit.
extension MFATests {
  @Test func thePasswordGrantStopsAtTheSecondFactorToo() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let client = try await cluster.api.makeOAuthClient()
      let token = try await cluster.api.signIn(client.account).accessToken
      let (uri, _) = try await enable(cluster, token: token, password: client.account.password)

      let granted = try await cluster.api.passwordGrant(client)
      #expect(granted.status == 401 && granted.oauthError?.error == "mfa_required", "\(granted.body)")
      #expect(granted.value?.accessToken == nil, "no token before the second factor: \(granted.body)")
      let mfaToken = try #require(json(granted.body)["mfa_token"] as? String, "\(granted.body)")
      let completed = try await verify(cluster, mfaToken, code: try code(uri, steps: 1))  // the enable spent this step's
      #expect(completed.status == 200 && completed.value?.accessToken.isEmpty == false, "\(completed.body)")
      #expect(try await cluster.api.verify(try completed.decoded().accessToken).status == 200)
    }
  }
}

extension SocialTests {
  /// A person who signed up with GitHub has no password: enrolling a second factor needs a
  /// sign-in within 10 minutes (an older session is `reauthentication_required`); once it is on,
  /// the next GitHub sign-in's code exchange answers `mfa_required` and the code completes it.
  @Test func aSocialAccountEnrolsAfterAFreshSignInAndThenNeedsTheSecondFactor() async throws {
    try await withProviders { cluster, fakes, _ in
      let slug = try await makeService(cluster)
      let id = String(TestEnvironment.uniqueName("m").filter(\.isNumber).prefix(8))
      try await setPersona(fakes, "github", #"{"id": 42\#(id), "email": "mfa-\#(id)@github.example", "email_verified": true}"#)
      func exchanged() async throws -> Answer<TokenAnswer> {
        let pkce = PKCE()
        let answer = try await signIn(cluster, "github", service: slug, pkce: pkce)
        return try await exchange(cluster, code: try #require(answer["code"], "\(answer)"), pkce: pkce)
      }
      let mfa = MFATests()
      let first = try await exchanged().decoded()
      try await cluster.api.firstParty(token: first.accessToken)
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        _ = try await owner.query(
          "UPDATE token.sessions SET created_at = now() - interval '11 minutes' WHERE user_id = \(UUID(uuidString: first.user.id)!)",
          logger: TestEnvironment.logger
        ).collect()
      }
      let stale = try await cluster.api.post(
        "/api/v1/users/me/mfa/totp", MFACodeBody(), as: TOTPEnrolment.self, headers: bearer(first.accessToken))
      #expect(stale.status == 403 && stale.problem?.code == "reauthentication_required", "\(stale.body)")

      let fresh = try await exchanged().decoded()
      let started = try await cluster.api.post(
        "/api/v1/users/me/mfa/totp", MFACodeBody(), as: TOTPEnrolment.self, headers: bearer(fresh.accessToken))
      #expect(started.status == 200, "\(started.body)")
      let uri = try started.decoded().otpauthURI
      let enabled = try await cluster.api.post(
        "/api/v1/users/me/mfa/totp/enable", MFACodeBody(code: try mfa.code(uri)), headers: bearer(fresh.accessToken))
      #expect(enabled.status == 200, "\(enabled.body)")

      let stopped = try await exchanged()
      #expect(stopped.status == 401 && stopped.problem?.code == "mfa_required", "\(stopped.body)")
      let mfaToken = try #require(stopped.problem?.extensions["mfa_token"], "\(stopped.body)")
      let completed = try await mfa.verify(cluster, mfaToken, code: try mfa.code(uri, steps: 1))
      #expect(completed.status == 200 && completed.value?.user.id == first.user.id, "\(completed.body)")
    }
  }
}
