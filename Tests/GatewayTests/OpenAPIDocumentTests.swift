import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Shared
import Testing

@testable import Gateway
@testable import TestSupport

/// `/openapi.json` (issue 16, docs/api.md) cannot drift from the routes: every route the router
/// has is an operation of the document, and every operation a route; the document is served,
/// valid OpenAPI 3.1 by a standard validator, and every JSON body names a schema it defines.
@Suite(.timeLimit(.minutes(2))) struct OpenAPIDocumentTests {
  @Test func everyRouteIsDocumentedAndEveryOperationIsARoute() async throws {
    let router = try await GatewayRouterTests.router()
    let routes = router.routes.map { "\($0.method.rawValue) \(APIOperation.template($0.path.description))" }
    let operations = APIOperation.all.map { "\($0.method.rawValue) \($0.templatePath)" }
    #expect(Set(routes).subtracting(operations).sorted() == [], "routes the document lacks")
    #expect(Set(operations).subtracting(routes).sorted() == [], "operations no route serves")
    #expect(operations.count == Set(operations).count, "an operation listed twice")
    #expect(routes.count > 100)
  }

  /// `/docs`: every operation and schema of the document on one page, for people.
  @Test func theReferencePageNamesEveryOperationAndSchema() async throws {
    try await GatewayRouterTests.app().test(.router) { client in
      let page = try await client.execute(uri: "/docs", method: .get)
      #expect(page.status == .ok && page.headers[.contentType]?.hasPrefix("text/html") == true)
      let html = String(buffer: page.body)
      for operation in APIOperation.all {
        #expect(html.contains("<code class=\"path\">\(operation.templatePath)</code>"), "\(operation.templatePath)")
      }
      #expect(html.contains("id=\"schema-LoginBody\"") && html.contains("id=\"schema-Problem\""))
      // Every problem type names its entry here: urn:gatehouse:problem:<code> ↔ #problem-<code>.
      for kind in ProblemCatalogue.all where !kind.isVariant {
        #expect(html.contains("<tr id=\"problem-\(kind.code)\">"), "\(kind.code)")
      }
    }
  }

  @Test func theServedDocumentIsValidOpenAPIAndEveryBodyHasItsSchema() async throws {
    try await GatewayRouterTests.app().test(.router) { client in
      let response = try await client.execute(uri: "/openapi.json", method: .get)
      #expect(response.status == .ok && response.headers[.contentType] == "application/json")
      let document = try GatewayRouterTests.json(response.body)
      #expect(document["openapi"] as? String == "3.1.0")
      let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
      // Every JSON body refers to a schema the document defines, and the bodies the services
      // answer were read from their types: objects with members, not free-form.
      let text = String(buffer: response.body)
      for match in text.matches(of: /#\/components\/schemas\/([A-Za-z0-9_.<>]+)/) {
        #expect(schemas[String(match.1)] != nil, "\(match.1) is referred to and not defined")
      }
      let login = try #require(schemas["LoginBody"] as? [String: Any])
      #expect((login["required"] as? [String])?.contains("password") == true, "\(login)")
      let status = try #require(schemas["VerificationStatus"] as? [String: Any])
      let statusValues = ((status["properties"] as? [String: Any])?["status"] as? [String: Any])?["enum"] as? [String]
      #expect(statusValues == ["PENDING", "COMPLETED", "FAILED", "EXPIRED"], "\(status)")
      let file = FileManager.default.temporaryDirectory.appendingPathComponent("openapi-\(UUID().uuidString).json")
      defer { try? FileManager.default.removeItem(at: file) }
      try Data(text.utf8).write(to: file)
      // openapi-spec-validator (PyPI), a standard OpenAPI 3.1 validator.
      let (code, output) = try PythonCheck.run("validate_openapi.py", [file.path])
      #expect(code == 0, "\(output)")
    }
  }
}
