/// Gatehouse itself cannot answer right now: a backend, the database, the message bus or a limit.
public enum PlatformProblems: ProblemDomain {
  public static let name = "Platform"
  public static let summary =
    "Not the request's fault: retry later (after `Retry-After` when it is sent); a 500 is logged with the `request_id`."

  public static let rateLimited = ProblemKind(
    "rate_limited", status: 429, title: "Too many requests",
    doc: "A rate limit is reached ([limits](limits.md)); retry after `Retry-After` seconds.")
  public static let internalError = ProblemKind(
    "internal_error", status: 500, title: "Internal error",
    doc: "An unexpected error, logged with the `request_id` and answered without detail; report it with that id.")
  public static let unknownMethod = ProblemKind(
    "unknown_method", status: 501, title: "Unknown method",
    doc: "An RPC names a method the receiving service does not serve (services of different versions); deploy matching versions.")
  public static let serviceUnavailable = ProblemKind(
    "service_unavailable", status: 503, title: "Service unavailable",
    doc: "A backend service or the message bus is not reachable; retry after `Retry-After`.")
  public static let databaseUnavailable = ProblemKind(
    "database_unavailable", status: 503, title: "Database unavailable",
    doc: "PostgreSQL could not be reached in time and nothing was changed unless already committed; retry after `Retry-After`.")
  public static let keysUnavailable = ProblemKind(
    "keys_unavailable", status: 503, title: "Signing keys unavailable",
    doc: "The gateway could not load the signing keys to check a token; retry shortly.")
  public static let revocationsUnavailable = ProblemKind(
    "revocations_unavailable", status: 503, title: "Revocations unavailable",
    doc: "The gateway could not load the revoked tokens to check a token; retry shortly.")
  public static let upstreamTimeout = ProblemKind(
    "upstream_timeout", status: 504, title: "Upstream timeout",
    doc: "A backend did not answer before the request's deadline; the request may or may not have taken effect, so check before retrying.")
  public static let invalidRPCBody = ProblemKind(
    "invalid_rpc_body", status: 400, title: "Invalid request",
    doc: "An RPC's body does not match its method (services of different versions); deploy matching versions.")
  public static let invalidIdentifier = ProblemKind(
    "invalid_identifier", status: 400, title: "Invalid request",
    doc: "A schema or table name given to the database layer is not a plain SQL identifier (a configuration error); fix the name.")

  public static let all = [
    invalidRPCBody, invalidIdentifier, rateLimited, internalError, unknownMethod, serviceUnavailable, databaseUnavailable,
    keysUnavailable, revocationsUnavailable, upstreamTimeout,
  ]
}
