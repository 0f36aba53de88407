import HTTPTypes
import Hummingbird
import NIOCore

/// OAuth's error body (RFC 6749 section 5.2), `{"error", "error_description"}`: the one rendering
/// of a problem for the `/oauth` routes, which never answer problem JSON.
public enum OAuthErrorBody {
  /// The error name a problem is answered with: its code when OAuth clients know it, else
  /// `invalid_request` for a 4xx, `server_error` for a 500, `temporarily_unavailable` for another 5xx.
  public static func name(for problem: Problem) -> String {
    switch problem.statusCode {
    case 500: "server_error"
    case 501...: "temporarily_unavailable"
    default: OAuthProblems.clientErrorNames.contains(problem.code) ? problem.code : OAuthProblems.invalidRequest.code
    }
  }

  /// The answer: the problem's status, `error` and `error_description` with its extension members
  /// beside them, `Cache-Control: no-store`, and `WWW-Authenticate: Basic` for `invalid_client`.
  public static func make(_ problem: Problem, requestID: String, headers extra: HTTPFields = [:]) -> Response {
    let name = name(for: problem)
    var headers = extra
    if name == OAuthProblems.invalidClient.code { headers[.wwwAuthenticate] = #"Basic realm="gatehouse""# }
    headers[.contentType] = "application/json"
    headers[.cacheControl] = "no-store"
    headers[ProblemResponse.requestIDField] = requestID
    var body = problem.extensions ?? [:]
    body["error"] = name
    body["error_description"] = problem.detail ?? problem.title
    let buffer = (try? JSON.encode(body)) ?? ByteBuffer(string: #"{"error":"server_error"}"#)
    return Response(status: problem.status, headers: headers, body: .init(byteBuffer: buffer))
  }
}
