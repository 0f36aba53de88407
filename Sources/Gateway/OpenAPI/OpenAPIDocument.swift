import Foundation
import NIOCore
import Shared

/// `/openapi.json` (OpenAPI 3.1, docs/api.md), made once at start-up from every area's
/// operations: paths, bodies (schemas read from the Codable types, SchemaReflection), the problem
/// codes each route may answer, the security schemes, and the SP callback as a webhook.
enum OpenAPIDocument {
  static func make(_ operations: [APIOperation], issuer: String) -> [String: Any] {
    var schemas: [String: Any] = ["Problem": problemSchema, "OAuthError": oauthErrorSchema]
    var paths: [String: [String: Any]] = [:]
    for operation in operations {
      paths[operation.templatePath, default: [:]][operation.method.rawValue.lowercased()] = describe(operation, schemas: &schemas)
    }
    return [
      "openapi": "3.1.0",
      "info": [
        "title": "Gatehouse", "version": "1",
        "description": "Accounts, tokens, social sign-in, an OpenID Provider and identity verification. "
          + "Errors are RFC 9457 problems with a stable `code` (docs/problems.md), except on `/oauth` (RFC 6749 errors).",
      ],
      "servers": [["url": issuer]],
      "paths": paths,
      "webhooks": ["verificationResult": ["post": callback(schemas: &schemas)]],
      "components": ["schemas": schemas, "securitySchemes": securitySchemes],
    ]
  }

  static func data(_ document: [String: Any]) -> ByteBuffer {
    ByteBuffer(bytes: (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data())
  }

  private static func describe(_ operation: APIOperation, schemas: inout [String: Any]) -> [String: Any] {
    var described: [String: Any] = [
      "tags": [operation.tag], "summary": operation.summary,
      "operationId": operation.method.rawValue.lowercased()
        + operation.templatePath.map { $0.isLetter || $0.isNumber ? String($0) : "_" }
        .joined(),
      "security": operation.security.map { [$0.rawValue: [String]()] },
    ]
    let parameters =
      operation.templatePath.split(separator: "/").filter { $0.hasPrefix("{") }.map {
        ["name": String($0.dropFirst().dropLast()), "in": "path", "required": true, "schema": ["type": "string"]] as [String: Any]
      }
      + operation.query.map {
        ["name": $0.name, "in": "query", "required": $0.required, "schema": ["type": $0.integer ? "integer" : "string"]] as [String: Any]
      }
    if !parameters.isEmpty { described["parameters"] = parameters }
    if let request = operation.request, let content = content(request, schemas: &schemas) {
      described["requestBody"] = ["required": true, "content": content]
    }
    var responses: [String: Any] = [:]
    for answer in operation.answers {
      var response: [String: Any] = ["description": answer.summary]
      if let content = content(answer.body, schemas: &schemas) { response["content"] = content }
      responses[String(answer.status)] = response
    }
    for (status, kinds) in Dictionary(grouping: operation.problems, by: \.status) where responses[String(status)] == nil {
      let codes = APIOperation.codes(kinds)
      responses[String(status)] = [
        "description": codes.map { "`\($0)`" }.joined(separator: ", "), "x-problem-codes": codes, "content": errorContent(operation),
      ]
    }
    described["responses"] = responses
    return described
  }

  /// How a route's errors come: problems; on `/oauth` RFC 6749's errors; a page's as a page too.
  private static func errorContent(_ operation: APIOperation) -> [String: Any] {
    var content: [String: Any] =
      operation.path.hasPrefix("/oauth/")
      ? ["application/json": ["schema": ["$ref": "#/components/schemas/OAuthError"]]]
      : ["application/problem+json": ["schema": ["$ref": "#/components/schemas/Problem"]]]
    if operation.answers.contains(where: { if case .html = $0.body { true } else { false } }) {
      content["text/html"] = ["schema": ["type": "string"]]
    }
    return content
  }

  private static func content(_ body: APIOperation.Body, schemas: inout [String: Any]) -> [String: Any]? {
    switch body {
    case .json(let schema, let name, let mediaType):
      schemas[name] = schema.json
      return [mediaType: ["schema": ["$ref": "#/components/schemas/\(name)"]]]
    case .form(let fields): return ["application/x-www-form-urlencoded": ["schema": ["type": "object", "description": fields]]]
    case .html: return ["text/html": ["schema": ["type": "string"]]]
    case .eventStream: return ["text/event-stream": ["schema": ["type": "string"]]]
    case .redirect, .empty: return nil
    }
  }

  private static func callback(schemas: inout [String: Any]) -> [String: Any] {
    [
      "summary": "A verification's outcome, POSTed to the SP's callback_url (docs/idp.md, \"Callback\")",
      "description": "Signed twice: X-Gatehouse-Signature, and Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature).",
      "requestBody": ["required": true, "content": content(.json(CallbackBody.self), schemas: &schemas) ?? [:]],
      "responses": ["2XX": ["description": "Stored; any other answer is retried"]],
    ]
  }

  private static var securitySchemes: [String: Any] {
    [
      "bearer": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"],
      "serviceProvider": ["type": "http", "scheme": "basic", "description": "An SP's client_id and client_secret"],
      "oauthClient": ["type": "http", "scheme": "basic", "description": "A service's client_id and client_secret"],
      "browser": ["type": "apiKey", "in": "cookie", "name": "__Host-gh_session"],
    ]
  }

  private static var problemSchema: [String: Any] {
    [
      "type": "object", "required": ["type", "title", "status", "code"],
      "properties": [
        "type": ["type": "string", "pattern": "^urn:gatehouse:problem:[a-z0-9_]+$"], "title": ["type": "string"],
        "status": ["type": "integer"], "detail": ["type": "string"],
        "code": ["type": "string", "enum": APIOperation.codes(ProblemCatalogue.all)],
        "field": ["type": "string"], "request_id": ["type": "string"], "instance": ["type": "string"],
      ],
    ]
  }

  private static var oauthErrorSchema: [String: Any] {
    [
      "type": "object", "required": ["error"],
      "properties": ["error": ["type": "string"], "error_description": ["type": "string"]],
    ]
  }
}
