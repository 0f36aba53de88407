import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Testing

@testable import Shared
@testable import TestSupport

/// The password rules through the real executables (issue 25, docs/accounts.md "Passwords"):
/// registration and a password change refuse a common password and the account's own names, and
/// with `GATEHOUSE_PASSWORD_BREACH_API` set, a password a local range API lists; that API only
/// ever hears five hex digits of the hash, and an API that does not answer refuses nothing.
///
/// Caught on the code before: `password123` (mixing letters and digits) and the username as the
/// password were accepted (201), and no range API was ever asked.
@Suite(.serialized, .timeLimit(.minutes(5))) struct PasswordPolicyClusterTests {
  static let breached = "Tr0ub4dor&3 leaked"

  /// A stand-in for Pwned Passwords' range API: lists `breached`'s suffix among padding, and records what it was asked.
  actor RangeLog {
    var asked: [(prefix: String, padding: String?)] = []
    func record(_ prefix: String, _ padding: String?) { asked.append((prefix, padding)) }
  }

  static func rangeAPI(_ log: RangeLog) async -> (port: Int, task: Task<Void, any Error>) {
    let hash = Insecure.SHA1.hash(data: Array(breached.utf8)).map { String(format: "%02X", $0) }.joined()
    let router = Router()
    router.get("range/{prefix}") { request, context -> Response in
      let prefix = context.parameters.get("prefix") ?? ""
      await log.record(prefix, request.headers[HTTPField.Name("Add-Padding")!])
      var lines = ["0018A45C4D1DEF81644B54AB7F969B88D65:0", "00D4F6E8FA6EECAD2A3AA415EEC418D38EC:2"]
      if hash.hasPrefix(prefix) { lines.append("\(hash.dropFirst(5)):37") }
      return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: lines.joined(separator: "\r\n"))))
    }
    return await startLoopbackServer(router, label: "range-api")
  }

  func register(_ cluster: Cluster, _ slug: String, password: String, username: String = TestEnvironment.uniqueName("ada"))
    async throws -> Answer<RegisterResponse>
  {
    try await cluster.api.register(
      RegisterBody(service: slug, username: username, email: "\(username)@example.com", password: password))
  }

  @Test func commonOwnAndBreachedPasswordsAreRefusedWherePasswordsAreSet() async throws {
    let log = RangeLog()
    let (port, server) = await Self.rangeAPI(log)
    defer { server.cancel() }
    try await withCluster(environment: ["GATEHOUSE_PASSWORD_BREACH_API": "http://127.0.0.1:\(port)"]) { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount(firstParty: true)
      let common = try await register(cluster, account.slug, password: "Password123")
      #expect(common.status == 422 && common.problem?.code == "weak_password", "\(common.body)")
      let name = TestEnvironment.uniqueName("kim")
      let own = try await register(cluster, account.slug, password: "\(name)@example.com", username: name)
      #expect(own.status == 422 && own.problem?.code == "weak_password", "\(own.body)")
      let leaked = try await register(cluster, account.slug, password: Self.breached)
      #expect(leaked.status == 422 && leaked.problem?.code == "breached_password", "\(leaked.body)")
      #expect(try await register(cluster, account.slug, password: "a fresh horse 44").status == 201)

      let token = bearer(try await cluster.api.signIn(account).accessToken)
      let change = try await cluster.api.post(
        "/api/v1/users/me/password", PasswordChangeBody(currentPassword: account.password, newPassword: "iloveyou1"), headers: token)
      #expect(change.status == 422 && change.problem?.code == "weak_password", "\(change.body)")
      #expect(change.problem?.field == "new_password", "\(change.body)")

      // The API heard five hex digits per check, always asking for padding, never the password.
      let asked = await log.asked
      #expect(asked.count >= 2, "\(asked)")
      #expect(asked.allSatisfy { $0.prefix.wholeMatch(of: /[0-9A-F]{5}/) != nil && $0.padding == "true" }, "\(asked)")
    }
  }

  @Test func aBreachAPIThatDoesNotAnswerRefusesNothing() async throws {
    let closed = try FreePort.find()
    try await withCluster(environment: ["GATEHOUSE_PASSWORD_BREACH_API": "http://127.0.0.1:\(closed)"]) { cluster in
      #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
      let account = try await cluster.api.makeAccount()
      #expect(try await register(cluster, account.slug, password: Self.breached).status == 201)
      #expect(cluster.logs.contains("breached-password API did not answer"), "the outage is logged")
    }
  }
}
