import Foundation
import Testing

@testable import Shared
@testable import TestSupport

/// Invitations by e-mail (issue 25, docs/admin.md "Members"): an admin invites an address to a
/// service that takes no registrations; the mail reaches a real SMTP server; its link's page (and
/// the API) makes the account once, with the invited role and the address verified; a used, an
/// expired and a replayed link are refused, and a member without `user.create` cannot invite.
///
/// Caught on the code before: `/api/v1/services/{slug}/invitations` did not exist (404).
@Suite(.serialized, .timeLimit(.minutes(5))) struct InvitationTests {
  static func token(_ mail: SMTPSink.Mail) -> String? {
    mail.text.firstMatch(of: /invitations\/accept\?token=([A-Za-z0-9_-]+)/).map { String($0.1) }
  }

  @Test func anInvitedPersonMakesTheirAccountOnceFromTheMailedLink() async throws {
    let sink = try await SMTPSink.shared()
    try await withCluster(environment: sink.environment) { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let (_, adminToken) = try await cluster.api.admin(role: "SUPER_ADMIN")
      let admin = bearer(adminToken)
      let service = try await cluster.api.makeAccount()
      var closed = ServiceSettingsBody()
      closed.autoCreateUser = false
      #expect(try await cluster.api.post("/api/v1/services/\(service.slug)", closed, method: .PATCH, headers: admin).status == 200)
      let invitations = "/api/v1/services/\(service.slug)/invitations"

      // The page: the mailed link names the address and role; the account is made there.
      let pageAddress = "\(TestEnvironment.uniqueName("inv"))@example.com"
      let sent = try await cluster.api.post(invitations, InviteBody(email: pageAddress, role: "moderator"), headers: admin)
      #expect(sent.status == 202, "\(sent.body)")
      let pageMail = try #require(try await sink.waitForMails(to: pageAddress).first)
      #expect(pageMail.subject.contains("초대"), "\(pageMail.subject)")
      let pageToken = try #require(Self.token(pageMail), "\(pageMail.text)")
      let browser = PageBrowser(cluster)
      let page = try await browser.get("/invitations/accept?token=\(pageToken)")
      #expect(page.status == 200 && page.body.contains(pageAddress) && page.body.contains("moderator"), "\(page.body)")
      let name = TestEnvironment.uniqueName("mod")
      var form = ["token": pageToken, "username": name, "password": "a member's passphrase", "password_confirmation": "another one"]
      #expect(try await browser.post("/invitations/accept", form).body.contains("id=\"accept-invitation\""), "passwords differ")
      form["password_confirmation"] = "a member's passphrase"
      let done = try await browser.post("/invitations/accept", form)
      #expect(done.body.contains("id=\"page-invitation_accepted\""), "\(done.body)")
      let signedIn = try await cluster.api.login(Account(slug: service.slug, username: name), password: "a member's passphrase")
      #expect(try tokenClaims(try signedIn.decoded().accessToken).roles == ["moderator"], "\(signedIn.body)")
      let reopened = try await browser.get("/invitations/accept?token=\(pageToken)")
      #expect(reopened.status == 410 && reopened.body.contains("link_used"), "\(reopened.status)")

      // The API: a common password is refused and the link kept; then the account is made once.
      let apiAddress = "\(TestEnvironment.uniqueName("api"))@example.com"
      #expect(try await cluster.api.post(invitations, InviteBody(email: apiAddress), headers: admin).status == 202)
      let apiMail = try #require(try await sink.waitForMails(to: apiAddress).first)
      let apiToken = try #require(Self.token(apiMail))
      let accept = "/api/v1/auth/invitations/accept"
      let other = TestEnvironment.uniqueName("usr")
      let weak = try await cluster.api.post(accept, AcceptInvitationBody(token: apiToken, username: other, password: "password123"))
      #expect(weak.problem?.code == "weak_password", "\(weak.body)")
      let created = try await cluster.api.post(
        accept, AcceptInvitationBody(token: apiToken, username: other, password: "a fresh horse 44"), as: RegisterResponse.self)
      #expect(created.status == 201 && created.value?.service.role == "user", "\(created.body)")
      let replay = try await cluster.api.post(
        accept, AcceptInvitationBody(token: apiToken, username: other + "x", password: "a fresh horse 44"))
      #expect(replay.problem?.code == "link_used", "\(replay.body)")

      // An expired invitation, and a member who may not invite.
      let lateAddress = "\(TestEnvironment.uniqueName("late"))@example.com"
      #expect(try await cluster.api.post(invitations, InviteBody(email: lateAddress), headers: admin).status == 202)
      let lateMail = try #require(try await sink.waitForMails(to: lateAddress).first)
      let lateToken = try #require(Self.token(lateMail))
      _ = try await ownerCounts(
        cluster,
        [
          "WITH late AS (UPDATE token.invitations SET expires_at = now() WHERE email = '\(lateAddress)' RETURNING 1) SELECT count(*)::int FROM late"
        ])
      let late = try await cluster.api.post(
        accept, AcceptInvitationBody(token: lateToken, username: other + "y", password: "a fresh horse 44"))
      #expect(late.problem?.code == "link_expired", "\(late.body)")
      let member = bearer(try await cluster.api.signIn(service).accessToken)
      #expect(try await cluster.api.post(invitations, InviteBody(email: lateAddress), headers: member).status == 403)

      let counts = try await ownerCounts(
        cluster,
        [
          "SELECT count(*)::int FROM token.users WHERE username IN ('\(name)', '\(other)') AND email_verified",
          "SELECT count(*)::int FROM token.invitations WHERE accepted_at IS NOT NULL AND email IN ('\(pageAddress)', '\(apiAddress)')",
          "SELECT count(*)::int FROM audit.events WHERE action = 'INVITATION_SENT' AND details->>'role' IN ('moderator', 'user')",
        ])
      #expect(counts[0] == 2 && counts[1] == 2 && counts[2] >= 3, "\(counts)")
    }
  }
}
