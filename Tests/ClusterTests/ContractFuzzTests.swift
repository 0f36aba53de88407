import Foundation
import Testing

@testable import Shared
@testable import TestSupport

/// Contract fuzzing (issue 16, docs/api.md): schemathesis generates requests from the served
/// `/openapi.json` against the real cluster, signed in as a person, as a super admin and as a
/// service provider: no answer is a 5xx, and every status, content type and body is the one the
/// document gives (so no problem lacks its `code`). Bounded (5 examples an operation, the same
/// every run) to keep `make test` within CI's time. Its first run found `TRACE /oauth/token`
/// answering 500 and undocumented statuses, all fixed.
@Suite(.serialized, .timeLimit(.minutes(10))) struct ContractFuzzTests {
  @Test func schemathesisFindsNoServerErrorAndEveryAnswerMatchesTheDocument() async throws {
    // With mail, so that the recovery routes answer as a deployment with mail does (not 503).
    let mail = try await SMTPSink.shared().environment
    try await IdPTests().withReadyCluster(environment: IdPTests.environment.merging(mail) { _, new in new }) { cluster, receiver in
      let person = try await cluster.api.makePerson()
      let (_, admin) = try await cluster.api.admin(role: "SUPER_ADMIN")
      let sp = try await cluster.api.makeSP(callback: receiver.url)
      let passes: [(String, [String])] = [
        ("a person", ["-H", "Authorization: Bearer \(person.token)"]),
        ("a super admin", ["-H", "Authorization: Bearer \(admin)"]),
        ("a service provider", ["-a", "\(sp.clientID):\(sp.clientSecret)", "--include-tag", "Identity verification"]),
      ]
      for (who, options) in passes {
        let report = TestEnvironment.runDirectory.appendingPathComponent("schemathesis/\(who.split(separator: " ").last ?? "")").path
        let (status, output) = try PythonCheck.run("contract_fuzz.py", [cluster.url(""), report] + options)
        #expect(status == 0, "as \(who):\n\(output)")
      }
      // The same document as a page for people, in a real browser.
      let shot = TestEnvironment.runDirectory.appendingPathComponent("screenshots/api/reference.png")
      try FileManager.default.createDirectory(at: shot.deletingLastPathComponent(), withIntermediateDirectories: true)
      let (shown, page) = try PythonCheck.run("screenshot.py", [cluster.url("/docs"), shot.path])
      #expect(shown == 0 && page == "page-api_reference", "\(page)")
      // Nothing the gateway or a service did not know how to answer.
      for process in cluster.processes {
        #expect(process.log.contains("unhandled error") == false, "\(process.name): \(process.log.suffix(3000))")
      }
    }
  }
}
