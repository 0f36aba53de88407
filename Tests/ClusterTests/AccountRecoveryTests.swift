import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

/// E-mail verification and password reset (issue 17, docs/recovery.md), end to end: the real
/// executables send their mail to a real SMTP server (aiosmtpd, scripts/smtp_sink.py) and
/// the tests open the links it received.
///
/// Caught on the code before: no mail was sent at registration, `/api/v1/auth/email/verify` and
/// `/api/v1/auth/password/*` did not exist (404), so every test here fails at its first expectation.
@Suite(.serialized, .timeLimit(.minutes(5))) struct AccountRecoveryTests {
  func withMail<T: Sendable>(_ body: (Cluster, SMTPSink) async throws -> T) async throws -> T {
    let sink = try await SMTPSink.shared()
    return try await withCluster(environment: sink.environment) { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      return try await body(cluster, sink)
    }
  }

  static func address(_ account: Account) -> String { "\(account.username)@example.com" }

  func verify(_ cluster: Cluster, _ token: String) async throws -> Answer<EmailVerified> {
    try await cluster.api.post("/api/v1/auth/email/verify", MailedTokenBody(token: token), as: EmailVerified.self)
  }

  func reset(_ cluster: Cluster, _ token: String, _ password: String) async throws -> Answer<PasswordResetDone> {
    try await cluster.api.post(
      "/api/v1/auth/password/reset", ResetPasswordBody(token: token, password: password), as: PasswordResetDone.self)
  }

  func forgot(_ cluster: Cluster, service: String, _ email: String, from ip: String? = nil) async throws -> Answer<MailAccepted> {
    try await cluster.api.post(
      "/api/v1/auth/password/forgot", ForgotPasswordBody(service: service, email: email), as: MailAccepted.self,
      headers: ip.map { ["X-Forwarded-For": $0] } ?? [:])
  }

  func owner<T: Sendable>(_ cluster: Cluster, _ body: (PostgresClient) async throws -> T) async throws -> T {
    try await withPostgres(TestEnvironment.database(owner: true, name: cluster.database), body)
  }

  func audits(_ cluster: Cluster, _ action: String, username: String) async throws -> Int {
    try await owner(cluster) { client in
      var count = 0
      for try await n in try await client.query(
        """
        SELECT count(*)::int FROM audit.events a JOIN token.users u ON u.id = a.actor_user_id
        WHERE a.action = \(action) AND u.username = \(username)
        """
      ).decode(Int.self) {
        count = n
      }
      return count
    }
  }

  @Test func theRegistrationMailVerifiesTheAddressOnce() async throws {
    try await withMail { cluster, sink in
      let account = try await cluster.api.makeAccount()
      let mail = try #require(try await sink.waitForMails(to: Self.address(account)).first)
      // In the account's language: Korean unless the person chose otherwise.
      #expect(mail.subject == "Test 이메일 주소를 인증해 주세요", "\(mail.subject)")
      #expect(mail.html.contains("href=\"http"), "the HTML part has the button")
      let token = try #require(mail.token, "no link in: \(mail.text)")
      let auth = bearer(try await cluster.api.signIn(account).accessToken)
      #expect(try await cluster.api.get("/api/v1/users/me", as: Profile.self, headers: auth).decoded().emailVerified == false)

      let verified = try await verify(cluster, token)
      #expect(verified.status == 200, "\(verified.body)")
      #expect(try verified.decoded().email == Self.address(account))
      #expect(try await cluster.api.get("/api/v1/users/me", as: Profile.self, headers: auth).decoded().emailVerified == true)
      #expect(try await audits(cluster, "EMAIL_VERIFIED", username: account.username) == 1)

      let replayed = try await verify(cluster, token)
      #expect(replayed.status == 410)
      #expect(replayed.problem?.code == "link_used")
      let again = try await cluster.api.post("/api/v1/users/me/email/verification", headers: auth)
      #expect(again.problem?.code == "email_already_verified", "\(again.body)")
      let forged = try await verify(cluster, Base64URL.encode(SecureRandom.bytes(32)))
      #expect(forged.status == 400)
      #expect(forged.problem?.code == "link_invalid")
    }
  }

  @Test func anExpiredLinkIsRefusedAndANewOneWorks() async throws {
    try await withMail { cluster, sink in
      let account = try await cluster.api.makeAccount()
      let first = try #require(try await sink.waitForMails(to: Self.address(account)).first?.token)
      try await owner(cluster) { client in
        _ = try await client.query(
          "UPDATE token.email_tokens SET expires_at = now() - interval '1 second' WHERE used_at IS NULL AND email = \(Self.address(account))"
        ).collect()
      }
      let expired = try await verify(cluster, first)
      #expect(expired.status == 410)
      #expect(expired.problem?.code == "link_expired")

      let auth = bearer(try await cluster.api.signIn(account).accessToken)
      let asked = try await cluster.api.post("/api/v1/users/me/email/verification", headers: auth)
      #expect(asked.status == 202, "\(asked.body)")
      let second = try #require(try await sink.waitForMails(to: Self.address(account), count: 2).last?.token)
      #expect(second != first)
      let verified = try await verify(cluster, second)
      #expect(verified.status == 200, "\(verified.body)\n\(sink.mails(to: Self.address(account)).map(\.text))\n\(cluster.logs)")
    }
  }

  @Test func forgottenPasswordAnswersAlikeAndResetsOnceEndingEverySession() async throws {
    try await withMail { cluster, sink in
      let account = try await cluster.api.makeAccount()
      let signedIn = try await cluster.api.signIn(account)
      let unknown = "\(TestEnvironment.uniqueName("nobody"))@example.com"

      let known = try await forgot(cluster, service: account.slug, Self.address(account))
      let nobody = try await forgot(cluster, service: account.slug, unknown)
      #expect(known.status == 202 && nobody.status == 202)
      #expect(known.body == nobody.body)

      let mails = try await sink.waitForMails(to: Self.address(account), count: 2)  // verification, then reset
      let resetMail = try #require(mails.first { $0.link?.contains("/password/reset") == true })
      #expect(resetMail.subject.contains("비밀번호 재설정"), "\(resetMail.subject)")
      let token = try #require(resetMail.token)

      let weak = try await reset(cluster, token, "short")
      #expect(weak.status == 422 || weak.status == 400, "\(weak.body)")
      // The link's own account is known before it is spent: its username is refused, the link kept.
      let own = try await reset(cluster, token, account.username)
      #expect(own.problem?.code == "weak_password", "\(own.body)")
      let done = try await reset(cluster, token, "a new horse 22")
      #expect(done.status == 200, "\(done.body)")
      #expect(try done.decoded().sessionsEnded == 1)
      #expect(try await reset(cluster, token, "another horse 33").problem?.code == "link_used")

      #expect(try await cluster.api.verify(signedIn.accessToken).status == 401, "the old access token stops verifying")
      #expect(try await cluster.api.refresh(try #require(signedIn.refreshToken)).status == 401, "the old refresh token is dead")
      #expect(try await cluster.api.login(account).status == 401, "the old password is refused")
      #expect(try await cluster.api.login(account, password: "a new horse 22").status == 200)
      #expect(try await audits(cluster, "PASSWORD_RESET", username: account.username) == 1)

      let notice = try await sink.waitForMails(to: Self.address(account), count: 3)
      #expect(notice.contains { $0.subject.contains("비밀번호가 재설정되었습니다") })
      #expect(sink.mails(to: unknown).isEmpty, "no mail for an address no account has")
    }
  }

  /// Seed 000's limit, per client address and per e-mail address (here 2 an hour, to be quick).
  @Test func resetRequestsAreLimitedPerClientAndPerAddress() async throws {
    let sink = try await SMTPSink.shared()
    let limits = ["GATEHOUSE_RATE_LIMIT_PASSWORD_RESET": "2/3600", "GATEHOUSE_TRUSTED_PROXIES": "127.0.0.1"]
    try await withCluster(environment: sink.environment.merging(limits) { _, new in new }) { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      let address = Self.address(account)
      // One mailbox from three clients: the third is refused.
      #expect(try await forgot(cluster, service: account.slug, address, from: "203.0.113.1").status == 202)
      #expect(try await forgot(cluster, service: account.slug, address, from: "203.0.113.2").status == 202)
      let mailbox = try await forgot(cluster, service: account.slug, address, from: "203.0.113.3")
      #expect(mailbox.status == 429, "\(mailbox.body)")
      #expect(mailbox.problem?.code == "rate_limited")
      // One client, three mailboxes (known or not): the third is refused.
      for index in 0..<2 {
        #expect(try await forgot(cluster, service: account.slug, "x\(index)-\(address)", from: "203.0.113.9").status == 202)
      }
      #expect(try await forgot(cluster, service: account.slug, "x2-\(address)", from: "203.0.113.9").status == 429)
      // Two requests let through, two reset mails (after the verification mail).
      let mails = try await sink.waitForMails(to: address, count: 3)
      #expect(mails.filter { $0.link?.contains("/password/reset") == true }.count == 2)
    }
  }

  @Test func ofManyResetsWithOneLinkExactlyOneWins() async throws {
    try await withMail { cluster, sink in
      let account = try await cluster.api.makeAccount()
      #expect(try await forgot(cluster, service: account.slug, Self.address(account)).status == 202)
      let mails = try await sink.waitForMails(to: Self.address(account), count: 2)
      let token = try #require(mails.first { $0.link?.contains("/password/reset") == true }?.token)
      let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
        for index in 0..<8 { group.addTask { try await reset(cluster, token, "racing horse \(index)0").status } }
        return try await group.reduce(into: [Int]()) { $0.append($1) }
      }
      #expect(statuses.filter { $0 == 200 }.count == 1, "\(statuses)")
      #expect(statuses.filter { $0 == 410 }.count == 7, "\(statuses)")
      #expect(try await audits(cluster, "PASSWORD_RESET", username: account.username) == 1)
    }
  }

  @Test func aServiceThatRequiresAVerifiedAddressSignsInOnlyAfterTheLink() async throws {
    try await withMail { cluster, sink in
      let account = try await cluster.api.makeAccount()
      try await owner(cluster) { client in
        _ = try await client.query("UPDATE token.services SET require_email_verification = true WHERE slug = \(account.slug)").collect()
      }
      let refused = try await cluster.api.login(account)
      #expect(refused.status == 403)
      #expect(refused.problem?.code == "email_not_verified")
      let wrong = try await cluster.api.login(account, password: "not the password 1")
      #expect(wrong.problem?.code == "invalid_credentials", "a wrong password learns nothing about the address")
      // Who cannot sign in asks for the link again by address: the same answer for an address no account has.
      func askAgain(_ email: String) async throws -> Answer<MailAccepted> {
        try await cluster.api.post(
          "/api/v1/auth/email/verification", VerificationMailBody(service: account.slug, email: email), as: MailAccepted.self)
      }
      let asked = try await askAgain(Self.address(account))
      let nobody = try await askAgain("\(TestEnvironment.uniqueName("nobody"))@example.com")
      #expect(asked.status == 202 && nobody.status == 202 && asked.body == nobody.body, "\(asked.body) \(nobody.body)")
      let mails = try await sink.waitForMails(to: Self.address(account), count: 2)
      let (first, latest) = (try #require(mails.first?.token), try #require(mails.last?.token))
      #expect(try await verify(cluster, first).problem?.code == "link_used", "the newer link replaced the first")
      #expect(try await verify(cluster, latest).status == 200)
      #expect(try await cluster.api.login(account).status == 200)
    }
  }

  @Test func aNewAddressWaitsForItsLinkAndTheOldOneIsTold() async throws {
    try await withMail { cluster, sink in
      let account = try await cluster.api.makeAccount(firstParty: true)
      let auth = bearer(try await cluster.api.signIn(account).accessToken)
      let newAddress = "\(TestEnvironment.uniqueName("moved"))@example.com"
      let ungated = try await cluster.api.post(
        "/api/v1/users/me/email", ChangeEmailBody(email: newAddress, currentPassword: nil), as: MailAccepted.self, headers: auth)
      #expect(ungated.problem?.code == "reauthentication_required", "\(ungated.body)")
      let asked = try await cluster.api.post(
        "/api/v1/users/me/email", ChangeEmailBody(email: newAddress, currentPassword: Account.password), as: MailAccepted.self,
        headers: auth)
      #expect(asked.status == 202, "\(asked.body)")
      #expect(try await cluster.api.get("/api/v1/users/me", as: Profile.self, headers: auth).decoded().email == Self.address(account))
      let byOld = try await cluster.api.login(
        LoginBody(
          service: account.slug, username: nil, email: Self.address(account), password: Account.password, rememberMe: nil,
          clientType: .mobile))
      #expect(byOld.status == 200, "the old address signs in until the new one is verified")

      let token = try #require(try await sink.waitForMails(to: newAddress).first?.token)
      #expect(try await verify(cluster, token).status == 200)
      let profile = try await cluster.api.get("/api/v1/users/me", as: Profile.self, headers: auth).decoded()
      #expect(profile.email == newAddress)
      #expect(profile.emailVerified)
      // Told twice: when the change was asked for, and when it happened.
      let told = try await sink.waitForMails(to: Self.address(account), count: 3)
      #expect(told.contains { $0.subject.contains("이메일 주소 변경이 요청되었습니다") && $0.text.contains(newAddress) })
      #expect(told.contains { $0.subject.contains("이메일 주소가 바뀌었습니다") && $0.text.contains(newAddress) })
      #expect(
        try await cluster.api.login(
          LoginBody(
            service: account.slug, username: nil, email: newAddress, password: Account.password, rememberMe: nil, clientType: .mobile)
        ).status == 200)
    }
  }

  /// docs/social.md, step 4: a provider's verified claim joins an account whose own address was
  /// verified, and only then (before the link it is `access_denied`, as SocialTests shows).
  @Test func aVerifiedAddressLetsAVerifiedSocialSignInJoinTheAccount() async throws {
    let social = SocialTests()
    let sink = try await SMTPSink.shared()
    try await social.withProviders(extra: sink.environment) { cluster, fakes, _ in
      let slug = try await social.makeService(cluster)
      let account = Account(slug: slug, username: TestEnvironment.uniqueName("joe"))
      #expect(try await cluster.api.register(account).status == 201)
      let userID = try await cluster.api.signIn(account).user.id
      let digits = String(UUID().uuidString.filter(\.isNumber).prefix(8))
      try await social.setPersona(
        fakes, "discord", #"{"id": "777\#(digits)", "email": "\#(Self.address(account))", "email_verified": true}"#)
      let before = try await social.signIn(cluster, "discord", service: slug, pkce: SocialTests.PKCE())
      #expect(before["error"] == "access_denied", "\(before)")

      let token = try #require(try await sink.waitForMails(to: Self.address(account)).first?.token)
      #expect(try await verify(cluster, token).status == 200)
      let pkce = SocialTests.PKCE()
      let after = try await social.signIn(cluster, "discord", service: slug, pkce: pkce)
      let joined = try await social.exchange(cluster, code: try #require(after["code"], "\(after)"), pkce: pkce).decoded()
      #expect(joined.user.id == userID, "the provider account joined the verified account")
    }
  }

  /// The pages in chromium: verify, a replayed and an expired link, and forgot → reset → sign in.
  @Test func thePagesVerifyAndResetInABrowser() async throws {
    try await withMail { cluster, sink in
      let account = try await cluster.api.makeAccount()
      let late = try await cluster.api.makeAccount()
      let expired = try #require(try await sink.waitForMails(to: Self.address(late)).first?.link)
      try await owner(cluster) { client in
        _ = try await client.query(
          "UPDATE token.email_tokens SET expires_at = now() - interval '1 second' WHERE email = \(Self.address(late))"
        ).collect()
      }
      // An invitation to the account's service, for the invitation's page.
      let (_, adminToken) = try await cluster.api.admin(role: "SUPER_ADMIN")
      let invited = TestEnvironment.uniqueName("invited")
      let sent = try await cluster.api.post(
        "/api/v1/services/\(account.slug)/invitations", InviteBody(email: "\(invited)@example.com"), headers: bearer(adminToken))
      #expect(sent.status == 202, "\(sent.body)")
      let invitationMail = try #require(try await sink.waitForMails(to: "\(invited)@example.com").first)
      let invitation = try #require(invitationMail.text.firstMatch(of: /https?:\/\/\S+\/invitations\/accept\?token=[A-Za-z0-9_-]+/))
      let settings: [String: Any] = [
        "issuer": cluster.url(""), "mail_dir": sink.directory.appendingPathComponent("mail").path, "expired_link": expired,
        "invitation_link": String(invitation.output), "invited_username": invited,
        "person": [
          "username": account.username, "password": account.password, "email": Self.address(account),
          "new_password": "a fresh horse 44", "new_email": "\(TestEnvironment.uniqueName("renamed"))@example.com",
        ],
      ]
      let (status, output) = try PythonCheck.browser("recovery_pages.py", settings: settings, screenshots: "recovery")
      try #require(status == 0, "\(output)\n\(cluster.logs)")
      #expect(output.contains("\"replayed\": \"link_used\""), "\(output)")
      #expect(output.contains("\"expired\": \"link_expired\""), "\(output)")
      #expect(output.contains("\"mismatch\": \"invalid_field\""), "\(output)")
      #expect(output.contains("\"invited\": \"\(invited)\""), "\(output)")
      #expect(output.contains("\"console_email\": \"renamed_"), "the console shows the new address: \(output)")
      #expect(output.contains("\"console_email_state\": \"badge ok\""), "and as verified: \(output)")
      for page in [
        "verify", "verified", "link-used", "link-expired", "forgot", "forgot-sent", "reset-mismatch", "reset-done", "account-email-pending",
        "account-email-verified", "invitation", "invitation-accepted",
      ] {
        #expect(output.contains("-\(page)-desktop.png") && output.contains("-\(page)-phone.png"), "no screenshots of \(page)")
      }
      #expect(try await audits(cluster, "PASSWORD_RESET", username: account.username) == 1)
    }
  }

  @Test func mailWaitsInTheOutboxWhileTheSMTPServerIsDown() async throws {
    let sink = try await SMTPSink()
    defer { sink.stop() }
    try await withCluster(environment: sink.environment) { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      sink.stop()
      let account = try await cluster.api.makeAccount()
      try await Task.sleep(for: .seconds(2))
      let waiting = try await owner(cluster) { client in
        var count = 0
        for try await n in try await client.query(
          "SELECT count(*)::int FROM token.outbox WHERE queue = 'token.mail' AND done_at IS NULL"
        ).decode(Int.self) {
          count = n
        }
        return count
      }
      #expect(waiting == 1, "the mail waits in the outbox")
      #expect(sink.mails(to: Self.address(account)).isEmpty)
      try await sink.start()
      let arrived = try await sink.waitForMails(to: Self.address(account), timeout: .seconds(30))
      #expect(arrived.count == 1)
      #expect(try await verify(cluster, try #require(arrived.first?.token)).status == 200)
    }
  }

  /// The server took the mail but answered after token-service's time-out, so the mail goes
  /// again: both copies carry the same link, and it works. (Before, each attempt drew its own
  /// token and the time-out rolled the first one back: the mail the person had was a dead link.)
  @Test func aMailSentTwiceAfterATimeOutCarriesOneWorkingLink() async throws {
    let sink = try await SMTPSink(["--late-reply-rcpt", "@example.com:3"])
    defer { sink.stop() }
    var environment = sink.environment
    environment["GATEHOUSE_SMTP_TIMEOUT_MS"] = "1000"
    try await withCluster(environment: environment) { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      let mails = try await sink.waitForMails(to: Self.address(account), count: 2, timeout: .seconds(30))
      #expect(mails.count == 2, "the late-answered mail is sent again")
      let tokens = Set(mails.compactMap(\.token))
      #expect(tokens.count == 1, "one link in both copies: \(mails.map(\.text))")
      let verified = try await verify(cluster, try #require(tokens.first))
      #expect(verified.status == 200, "\(verified.body)")
      #expect(try await audits(cluster, "EMAIL_VERIFICATION_SENT", username: account.username) == 1)
    }
  }
}
