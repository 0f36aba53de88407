import Foundation
import PostgresNIO
import Testing

@testable import Shared
@testable import TestSupport

/// `POST /api/v1/auth/register` through the real gateway and token-service.
@Suite(.serialized, .timeLimit(.minutes(5))) struct RegistrationTests {
  func body(service: String, username: String, email: String? = nil, password: String = "correct horse 1") -> RegisterBody {
    RegisterBody(
      service: service, username: username, email: email ?? "\(username)@example.com", password: password, firstName: "Ada",
      lastName: "Lovelace")
  }

  @Test func registrationCreatesTheUserTheirMembershipAndAnAuditRow() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let slug = TestEnvironment.uniqueName("svc").replacingOccurrences(of: "_", with: "-")
      let created = try await cluster.tokenAdmin([
        "admin", "create-service", "--slug", slug, "--name", "Test", "--origin", "https://app.example",
      ])
      #expect(created.contains("client_secret"))
      let username = TestEnvironment.uniqueName("ada")

      let response = try await cluster.api.register(body(service: slug, username: username))
      #expect(response.status == 201, "\(response.body)")
      let answer = try response.decoded()
      let user = answer.user
      #expect(user.username == username)
      #expect(user.fullName == "Ada Lovelace")
      let id = user.id
      #expect(UUID(uuidString: id) != nil && id == id.lowercased())
      #expect(answer.service.role == "user")
      #expect(!response.body.contains("password"))

      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        let rows = try await owner.query(
          """
          SELECT u.password_hash, m.role, (SELECT count(*)::int FROM audit.events e WHERE e.actor_user_id = u.id AND e.action = 'USER_REGISTERED')
          FROM token.users u JOIN token.services s ON s.slug = \(slug) JOIN LATERAL token.membership(s.id, u.id) m ON true
          WHERE u.username = \(username)
          """, logger: TestEnvironment.logger
        ).collect()
        let (hash, role, audits) = try #require(rows.first).decode((String, String, Int).self)
        #expect(hash.hasPrefix("$2"))  // bcrypt, never the password
        #expect(role == "user" && audits == 1)
      }

      // The same name in another case, and the same e-mail, are taken.
      let sameName = try await cluster.api.register(
        body(
          service: slug, username: username.uppercased(),
          email: "other-\(username)@example.com"))
      #expect(sameName.status == 409 && sameName.problem?.code == "username_taken")
      let sameEmail = try await cluster.api.register(body(service: slug, username: "x" + username, email: "\(username)@EXAMPLE.com"))
      #expect(sameEmail.status == 409 && sameEmail.problem?.code == "email_taken")
    }
  }

  @Test func badInputGetsAProblemNamingTheFieldAndStoresNothing() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let slug = TestEnvironment.uniqueName("svc").replacingOccurrences(of: "_", with: "-")
      _ = try await cluster.tokenAdmin(["admin", "create-service", "--slug", slug, "--name", "Test"])
      let name = TestEnvironment.uniqueName("bob")
      // Raw bodies: some are not a RegisterBody at all (a field missing, a number for a name, no JSON).
      let cases: [(String, Int, String, String?)] = [
        (try jsonText(body(service: slug, username: name, password: "short1")), 422, "invalid_field", "password"),
        (try jsonText(body(service: slug, username: name, password: "alllowercaseletters")), 422, "invalid_field", "password"),
        (
          try jsonText(body(service: slug, username: name, password: String(repeating: "aB3", count: 30))), 422, "invalid_field",
          "password"
        ),
        (try jsonText(body(service: slug, username: name, email: "not-an-email")), 422, "invalid_field", "email"),
        (try jsonText(body(service: slug, username: "ab")), 422, "invalid_field", "username"),
        (try jsonText(body(service: slug, username: "has space")), 422, "invalid_field", "username"),
        (#"{"service":"\#(slug)","username":"\#(name)","password":"correct horse 1"}"#, 422, "missing_field", "email"),
        (#"{"service":"\#(slug)","username":42,"email":"a@b.co","password":"correct horse 1"}"#, 422, "invalid_field", "username"),
        ("{not json", 400, "malformed_json", nil),
        (try jsonText(body(service: "no-such-service", username: name)), 404, "service_not_found", nil),
      ]
      for (payload, status, code, field) in cases {
        let response = Answer<RegisterResponse>(try await cluster.post("/api/v1/auth/register", body: payload))
        let problem = response.problem
        #expect(response.status == status, "\(payload) → \(response.body)")
        #expect(response.headers["content-type"] == "application/problem+json")
        #expect(problem?.code == code, "\(payload) → \(response.body)")
        #expect(problem?.field == field, "\(payload) → \(response.body)")
      }
      let huge = Answer<NoValue>(
        try await cluster.post(
          "/api/v1/auth/register",
          body: "{\"pad\":\"" + String(repeating: "x", count: 70_000) + "\"}"))
      #expect(huge.status == 413 && huge.problem?.code == "payload_too_large")
      let form = try await cluster.post("/api/v1/auth/register", body: "username=x", contentType: "application/x-www-form-urlencoded")
      #expect(form.status == 415)
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        let rows = try await owner.query("SELECT count(*)::int FROM token.users WHERE username = \(name)", logger: TestEnvironment.logger)
          .collect()
        #expect(try rows.first?.decode(Int.self) == 0)
      }
    }
  }

  @Test func ofTwentyConcurrentRegistrationsForOneNameExactlyOneWins() async throws {
    try await withCluster { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let slug = TestEnvironment.uniqueName("svc").replacingOccurrences(of: "_", with: "-")
      _ = try await cluster.tokenAdmin(["admin", "create-service", "--slug", slug, "--name", "Test"])
      let name = TestEnvironment.uniqueName("race")
      let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
        for i in 0..<20 {
          group.addTask {
            try await cluster.api.register(body(service: slug, username: name, email: "\(name)-\(i)@example.com")).status
          }
        }
        return try await group.reduce(into: [Int]()) { $0.append($1) }
      }
      #expect(statuses.filter { $0 == 201 }.count == 1)
      #expect(statuses.filter { $0 == 409 }.count == 19)
      try await withPostgres(TestEnvironment.database(owner: true)) { owner in
        let rows = try await owner.query(
          "SELECT count(*)::int FROM token.users WHERE lower(username) = lower(\(name))", logger: TestEnvironment.logger
        ).collect()
        #expect(try rows.first?.decode(Int.self) == 1)
      }
    }
  }
}
