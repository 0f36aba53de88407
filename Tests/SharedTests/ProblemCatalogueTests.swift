import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Testing

@testable import Shared

/// The problem catalogue (Sources/Shared/Errors/Catalogue) is the one place a problem code is
/// defined: these tests keep docs/problems.md in step with it and keep codes out of other files.
@Suite(.timeLimit(.minutes(2))) struct ProblemCatalogueTests {
  static let catalogueFolder = "Sources/Shared/Errors/Catalogue/"

  /// What builds a problem from a code written as text, outside the catalogue.
  static let inlineProblemPatterns = [#"code: ""#, "Problem(status:"]

  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  @Test func docsMatchTheCatalogue() throws {
    let url = Self.root.appendingPathComponent("docs/problems.md")
    let rendered = ProblemCatalogue.markdown()
    if ProcessInfo.processInfo.environment["GATEHOUSE_UPDATE_DOCS"] == "1" {
      try rendered.write(to: url, atomically: true, encoding: .utf8)
    }
    let written = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
    #expect(
      written == rendered,
      """
      docs/problems.md is not what the catalogue renders; regenerate it with \
      GATEHOUSE_UPDATE_DOCS=1 swift test --filter ProblemCatalogueTests
      """)
  }

  @Test func everyCodeIsDefinedOnce() {
    var bases: [String: Int] = [:]
    for kind in ProblemCatalogue.all where !kind.isVariant { bases[kind.code, default: 0] += 1 }
    #expect(bases.filter { $0.value > 1 }.keys.sorted() == [], "codes defined by more than one entry")
    let orphans = ProblemCatalogue.all.filter { $0.isVariant && bases[$0.code] == nil }.map(\.code)
    #expect(orphans == [], "variants of codes with no entry of their own")
    let answers = ProblemCatalogue.all.map { "\($0.code) \($0.status) \($0.title)" }
    #expect(Set(answers).count == answers.count, "an entry is listed twice")
  }

  @Test func everyEntryDeclaredIsListed() throws {
    // Each `ProblemKind(` / `.variant(` in Catalogue/ is one entry of ProblemCatalogue.all.
    let folder = Self.root.appendingPathComponent(Self.catalogueFolder)
    var declared = 0
    for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix("Problems.swift") {
      let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
      declared += text.components(separatedBy: "= ProblemKind(").count - 1
      declared += text.components(separatedBy: ".variant(").count - 1
    }
    #expect(declared == ProblemCatalogue.all.count, "an entry of Catalogue/ is missing from its domain's `all`")
  }

  @Test func entriesAreComplete() {
    for kind in ProblemCatalogue.all {
      #expect((400...599).contains(kind.status), "\(kind)")
      #expect(kind.code.wholeMatch(of: /[a-z][a-z0-9_]*/) != nil, "\(kind)")
      #expect(!kind.title.isEmpty && kind.doc.hasSuffix("."), "\(kind): a title, and a doc sentence ending in a full stop")
    }
  }

  @Test func noProblemIsBuiltOutsideTheCatalogue() throws {
    var offenders: [String] = []
    let files = try FileManager.default.subpathsOfDirectory(atPath: Self.root.appendingPathComponent("Sources").path)
      .filter { $0.hasSuffix(".swift") }.map { "Sources/\($0)" }
    #expect(files.count > 100, "the scan found the sources")
    for path in files where !path.hasPrefix(Self.catalogueFolder) {
      let lines = try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8).components(separatedBy: "\n")
      for (index, line) in lines.enumerated() where Self.inlineProblemPatterns.contains(where: { line.contains($0) }) {
        offenders.append("\(path):\(index + 1)")
      }
    }
    #expect(offenders == [], "build these problems from Sources/Shared/Errors/Catalogue entries")
  }

  @Test func theWireFormatKeepsStatus() throws {
    var problem = AccountProblems.accountNotFound.problem("No such account.")
    problem.retryAfterSeconds = 3
    let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: JSON.encode(problem))) as? [String: Any])
    #expect(json["status"] as? Int == 404 && json["statusCode"] == nil && json["code"] as? String == "account_not_found")
    #expect(try JSON.decode(Problem.self, from: JSON.encode(problem)) == problem)
    #expect(problem.status == .notFound && problem.statusCode == 404 && problem.title == "Not found")
  }

  @Test func aProblemAnswersWithTheRequestIDOfItsContext() throws {
    let problem = SignInProblems.invalidToken.problem("The token has expired.")
    let request = Request(
      head: HTTPRequest(
        method: .get, scheme: "http", authority: "gatehouse", path: "/api/v1/users/me",
        headerFields: [HTTPField.Name("X-Request-Id")!: "from-header"]),
      body: RequestBody(buffer: ByteBuffer()))
    let source = TestSource(logger: Logger(label: "test"))
    let identified = problem.response(from: request, context: IdentifiedContext(source: source))
    #expect(identified.status == .unauthorized && identified.headers[HTTPField.Name("X-Request-Id")!] == "from-context")
    #expect(identified.headers[.contentType] == "application/problem+json")
    let plain = problem.response(from: request, context: PlainContext(source: source))
    #expect(plain.headers[HTTPField.Name("X-Request-Id")!] == "from-header")
  }

  @Test func oauthAnswersUseTheirNames() {
    #expect(OAuthErrorBody.name(for: OAuthProblems.invalidGrant.problem("Wrong password.")) == "invalid_grant")
    #expect(OAuthErrorBody.name(for: RequestProblems.invalidField.problem("Bad.", field: "scope")) == "invalid_request")
    #expect(OAuthErrorBody.name(for: .internalError()) == "server_error")
    #expect(OAuthErrorBody.name(for: .serviceUnavailable("Down.")) == "temporarily_unavailable")
    let response = OAuthErrorBody.make(OAuthProblems.invalidClient.problem("Unknown client."), requestID: "r1")
    #expect(response.status == .unauthorized && response.headers[.wwwAuthenticate] == #"Basic realm="gatehouse""#)
  }
}

private struct TestSource: RequestContextSource {
  let logger: Logger
}

private struct PlainContext: RequestContext {
  typealias Source = TestSource
  var coreContext: CoreRequestContextStorage
  init(source: TestSource) { coreContext = .init(source: source) }
}

private struct IdentifiedContext: RequestContext, RequestIdentified {
  typealias Source = TestSource
  var coreContext: CoreRequestContextStorage
  var requestID = "from-context"
  init(source: TestSource) { coreContext = .init(source: source) }
}
