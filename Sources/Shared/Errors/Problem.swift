/// An RFC 9457 problem: what went wrong, for a person (`title`, `detail`) and for a program
/// (`code`, stable across releases). Crosses RPC unchanged and becomes `application/problem+json`.
/// Make one from its catalogue entry (Catalogue/), e.g. `AccountProblems.accountNotFound.problem("No such account.")`.
public struct Problem: Error, Codable, Sendable, Equatable, CustomStringConvertible {
  /// The HTTP status, as a number (`status` is Hummingbird's `HTTPResponse.Status`); JSON calls it `status`.
  public var statusCode: Int
  public var code: String
  public var title: String
  public var detail: String?
  /// Names the offending request field when input was rejected.
  public var field: String?
  /// RFC 9457 extension members the answer carries at its top level (e.g. `mfa_token`).
  public var extensions: [String: String]?
  /// Seconds after which a retry may succeed; the gateway sends it as `Retry-After`.
  public var retryAfterSeconds: Int?

  /// The wire names, unchanged by the rename of `status` to `statusCode`.
  enum CodingKeys: String, CodingKey {
    case statusCode = "status"
    case code, title, detail, field, extensions, retryAfterSeconds
  }

  public init(status: Int, code: String, title: String, detail: String? = nil, field: String? = nil) {
    self.statusCode = status
    self.code = code
    self.title = title
    self.detail = detail
    self.field = field
  }

  public var type: String { "urn:gatehouse:problem:\(code)" }

  public var description: String { "\(statusCode) \(code): \(detail ?? title)" }

  /// 500 without detail: what an unexpected error becomes.
  public static func internalError() -> Problem {
    PlatformProblems.internalError.problem("The request could not be completed.")
  }

  /// 503, retry after a second: a backend or the message bus is out of reach.
  public static func serviceUnavailable(_ detail: String) -> Problem {
    PlatformProblems.serviceUnavailable.problem(detail, retryAfterSeconds: 1)
  }

  /// 504: a backend did not answer in time.
  public static func gatewayTimeout(_ detail: String) -> Problem {
    PlatformProblems.upstreamTimeout.problem(detail)
  }
}
