/// An RFC 9457 problem: what went wrong, for a person (`title`, `detail`) and for a program
/// (`code`, stable across releases). Crosses RPC unchanged and becomes `application/problem+json`.
public struct Problem: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var title: String
    public var detail: String?
    /// Names the offending request field when input was rejected.
    public var field: String?
    /// RFC 9457 extension members the answer carries at its top level (e.g. `mfa_token`).
    public var extensions: [String: String]?
    /// Seconds after which a retry may succeed; the gateway sends it as `Retry-After`.
    public var retryAfterSeconds: Int?

    public init(status: Int, code: String, title: String, detail: String? = nil, field: String? = nil) {
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.field = field
    }

    public var type: String { "urn:gatehouse:problem:\(code)" }

    public var description: String { "\(status) \(code): \(detail ?? title)" }

    public static func badRequest(_ detail: String, field: String? = nil, code: String = "invalid_request") -> Problem {
        Problem(status: 400, code: code, title: "Invalid request", detail: detail, field: field)
    }

    public static func notFound(_ detail: String, code: String = "not_found") -> Problem {
        Problem(status: 404, code: code, title: "Not found", detail: detail)
    }

    /// An OAuth error: `code` is the RFC 6749 error name; the gateway answers it on `/oauth`
    /// routes as `{"error", "error_description"}`.
    public static func oauth(_ error: String, _ description: String, status: Int = 400) -> Problem {
        Problem(status: status, code: error, title: error, detail: description)
    }

    /// 422: a field of the input breaks a rule; `field` names it.
    public static func unprocessable(_ detail: String, field: String) -> Problem {
        Problem(status: 422, code: "invalid_field", title: "Invalid field", detail: detail, field: field)
    }

    public static func internalError() -> Problem {
        Problem(status: 500, code: "internal_error", title: "Internal error", detail: "The request could not be completed.")
    }

    public static func serviceUnavailable(_ detail: String) -> Problem {
        var problem = Problem(status: 503, code: "service_unavailable", title: "Service unavailable", detail: detail)
        problem.retryAfterSeconds = 1
        return problem
    }

    public static func gatewayTimeout(_ detail: String) -> Problem {
        Problem(status: 504, code: "upstream_timeout", title: "Upstream timeout", detail: detail)
    }
}
