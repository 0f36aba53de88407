import HTTPTypes
import Hummingbird
import NIOCore

/// A request context that knows the request's id (the gateway's does: RequestIDMiddleware sets it).
public protocol RequestIdentified {
  var requestID: String { get }
}

/// A problem thrown by a route becomes its problem JSON wherever Hummingbird catches it.
extension Problem: HTTPResponseError {
  public var status: HTTPResponse.Status { HTTPResponse.Status(code: statusCode) }

  /// The problem JSON, with the request id of the context or, failing that, of the request's `X-Request-Id`.
  public func response(from request: Request, context: some RequestContext) -> Response {
    let requestID = (context as? any RequestIdentified)?.requestID ?? request.headers[ProblemResponse.requestIDField] ?? ""
    return ProblemResponse.make(self, requestID: requestID)
  }
}

/// An `application/problem+json` response: the one rendering of a problem for HTTP.
public enum ProblemResponse {
  static let requestIDField: HTTPField.Name = {
    guard let name = HTTPField.Name("X-Request-Id") else { preconditionFailure("invalid header name X-Request-Id") }
    return name
  }()

  struct Body: Encodable {
    let type: String
    let title: String
    let status: Int
    let detail: String?
    let code: String
    let field: String?
    let requestID: String
    let extensions: [String: String]?

    struct Key: CodingKey {
      var stringValue: String
      var intValue: Int? { nil }
      init(stringValue: String) { self.stringValue = stringValue }
      init?(intValue: Int) { nil }
    }

    /// The standard members, then any extension members at the same level (RFC 9457 section 3.2).
    func encode(to encoder: any Encoder) throws {
      var c = encoder.container(keyedBy: Key.self)
      try c.encode(type, forKey: Key(stringValue: "type"))
      try c.encode(title, forKey: Key(stringValue: "title"))
      try c.encode(status, forKey: Key(stringValue: "status"))
      try c.encodeIfPresent(detail, forKey: Key(stringValue: "detail"))
      try c.encode(code, forKey: Key(stringValue: "code"))
      try c.encodeIfPresent(field, forKey: Key(stringValue: "field"))
      try c.encode(requestID, forKey: Key(stringValue: "request_id"))
      for (name, value) in extensions ?? [:] { try c.encode(value, forKey: Key(stringValue: name)) }
    }
  }

  public static func make(_ problem: Problem, requestID: String) -> Response {
    let body = Body(
      type: problem.type, title: problem.title, status: problem.statusCode, detail: problem.detail,
      code: problem.code, field: problem.field, requestID: requestID,
      extensions: problem.extensions)
    let buffer = (try? JSON.encode(body)) ?? ByteBuffer(string: #"{"code":"internal_error"}"#)
    var headers: HTTPFields = [.contentType: "application/problem+json"]
    headers[requestIDField] = requestID
    headers[.cacheControl] = "no-store"
    if let seconds = problem.retryAfterSeconds { headers[.retryAfter] = "\(seconds)" }
    return Response(status: problem.status, headers: headers, body: .init(byteBuffer: buffer))
  }
}
