/// A request the gateway or a service cannot read: wrong route, method, media type, size or body.
public enum RequestProblems: ProblemDomain {
  public static let name = "Requests"
  public static let summary =
    "The request itself is wrong: fix it as `detail` (and `field`, when present) says; retrying it unchanged fails again."

  public static let invalidRequest = ProblemKind(
    "invalid_request", status: 400, title: "Invalid request",
    doc: "A parameter is missing, malformed or out of range; `detail` says which and how to fix it.")
  public static let malformedJSON = ProblemKind(
    "malformed_json", status: 400, title: "Invalid request",
    doc: "The body is not valid JSON; fix its syntax.")
  public static let originNotAllowed = ProblemKind(
    "origin_not_allowed", status: 403, title: "Origin not allowed",
    doc: "The browser's `Origin` is not an allowed origin of the service; add it to the service's `allowed_origins`.")
  public static let notFound = ProblemKind(
    "not_found", status: 404, title: "Not found",
    doc: "Nothing is served at this path; check the URL.")
  public static let methodNotAllowed = ProblemKind(
    "method_not_allowed", status: 405, title: "Method not allowed",
    doc: "The path exists but not with this HTTP method; use one the API documents for it.")
  public static let payloadTooLarge = ProblemKind(
    "payload_too_large", status: 413, title: "Request body too large",
    doc: "The body is larger than the gateway reads (`detail` gives the limit); send less.")
  public static let unsupportedMediaType = ProblemKind(
    "unsupported_media_type", status: 415, title: "Unsupported media type",
    doc: "The body's `Content-Type` is not the one the route reads; send JSON, or the form `detail` names.")
  public static let missingField = ProblemKind(
    "missing_field", status: 422, title: "Missing field",
    doc: "A required field is absent; `field` names it.")
  public static let invalidField = ProblemKind(
    "invalid_field", status: 422, title: "Invalid field",
    doc: "A field breaks a rule (type, length, format or range); `field` names it and `detail` states the rule.")
  public static let invalidValue = ProblemKind(
    "invalid_value", status: 422, title: "Invalid value",
    doc: "The database refused a value as too long or holding characters it cannot store; shorten or clean it.")
  public static let goneMeanwhile = ProblemKind(
    "gone_meanwhile", status: 409, title: "Changed meanwhile",
    doc: "Something the request refers to (an account, a service) was deleted while it ran; send it again to be told what is left.")

  public static let all = [
    invalidRequest, malformedJSON, originNotAllowed, notFound, methodNotAllowed, payloadTooLarge, unsupportedMediaType,
    missingField, invalidField, invalidValue, goneMeanwhile,
  ]
}
