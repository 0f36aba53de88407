import Foundation
import Hummingbird
import NIOCore
import Shared

/// `/oauth/token`, `/oauth/revoke`, `/oauth/introspect`: form-encoded requests, OAuth error
/// bodies (`{"error", "error_description"}`), `Cache-Control: no-store` on every answer.
enum OAuthRoutes {
    static func add(to router: Router<GatewayRequestContext>, rpc: RPCClient, limits: RateLimits) {
        router.post("oauth/token") { request, context in
            try await OAuthErrorResponse.catching(context) {
                let form = try await OAuthForm(request)
                let grantType = try form.required("grant_type")
                let username = form["username"]
                if grantType == "password" {
                    let ip = context.client(request).ip ?? "unknown"
                    _ = try await limits.enforce([(limits.login, "ip:\(ip)"), (limits.loginUser, "user:\(ip):\((username ?? "").lowercased())")])
                }
                let answer = try await rpc.call(TokenRPC.oauthToken, OAuthTokenRequest(
                    grantType: grantType, credentials: try form.clientCredentials(request), username: username,
                    password: form["password"], refreshToken: form["refresh_token"], scope: form["scope"],
                    code: form["code"], redirectURI: form["redirect_uri"], codeVerifier: form["code_verifier"],
                    client: context.client(request)), context: context.rpcContext)
                var response = try JSONResponse.make(answer)
                response.headers[.pragma] = "no-cache"
                return response
            }
        }
        router.post("oauth/revoke") { request, context in
            try await OAuthErrorResponse.catching(context) {
                let form = try await OAuthForm(request)
                _ = try await rpc.call(TokenRPC.oauthRevoke, try form.inspection(request, context: context), context: context.rpcContext)
                return Response(status: .ok, headers: [.cacheControl: "no-store"])
            }
        }
        router.post("oauth/introspect") { request, context in
            try await OAuthErrorResponse.catching(context) {
                let form = try await OAuthForm(request)
                let answer = try await rpc.call(TokenRPC.oauthIntrospect, try form.inspection(request, context: context), context: context.rpcContext)
                return try JSONResponse.make(answer)
            }
        }
    }
}

/// An `application/x-www-form-urlencoded` body as OAuth reads it: each parameter at most once
/// (RFC 6749 section 3.2), empty values as absent.
struct OAuthForm {
    private var values: [String: String] = [:]

    init(_ request: Request) async throws {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            throw Problem.oauth("invalid_request", "Send the parameters as application/x-www-form-urlencoded.")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: JSONBody.limit)
        } catch {
            throw Problem.oauth("invalid_request", "A request body has at most \(JSONBody.limit / 1024) KiB.", status: 413)
        }
        guard let pairs = FormBody.pairs(buffer) else { throw Problem.oauth("invalid_request", "The form is not valid URL encoding.") }
        for (name, value) in pairs {
            guard values[name] == nil else { throw Problem.oauth("invalid_request", "\(name) is given more than once.") }
            if !value.isEmpty { values[name] = value }
        }
    }

    subscript(name: String) -> String? { values[name] }

    func required(_ name: String) throws(Problem) -> String {
        guard let value = values[name] else { throw .oauth("invalid_request", "\(name) is required.") }
        return value
    }

    /// The client, from HTTP Basic (RFC 6749 section 2.3.1) or the form, never both.
    func clientCredentials(_ request: Request) throws(Problem) -> ClientCredentials {
        switch BasicCredentials.parse(request) {
        case .absent:
            break
        case .malformed:
            guard values["client_secret"] == nil else {
                throw .oauth("invalid_request", "Authenticate the client one way: HTTP Basic or the form, not both.")
            }
            throw .oauth("invalid_client", "The Basic credentials are malformed.", status: 401)
        case .present(let rawID, let rawSecret):
            guard values["client_secret"] == nil else {
                throw .oauth("invalid_request", "Authenticate the client one way: HTTP Basic or the form, not both.")
            }
            // RFC 6749 section 2.3.1: both halves are form-urlencoded before they are joined.
            guard let id = FormBody.decode(Substring(rawID)), let secret = FormBody.decode(Substring(rawSecret)), !id.isEmpty else {
                throw .oauth("invalid_client", "The Basic credentials are malformed.", status: 401)
            }
            return ClientCredentials(clientID: id, clientSecret: secret)
        }
        guard let id = values["client_id"] else { throw .oauth("invalid_client", "client_id is required.", status: 401) }
        return ClientCredentials(clientID: id, clientSecret: values["client_secret"])
    }

    func inspection(_ request: Request, context: GatewayRequestContext) throws(Problem) -> OAuthTokenInspection {
        OAuthTokenInspection(credentials: try clientCredentials(request), token: try required("token"),
                             tokenTypeHint: values["token_type_hint"], client: context.client(request))
    }
}

/// OAuth's error body (RFC 6749 section 5.2) for anything that goes wrong on an `/oauth` route.
enum OAuthErrorResponse {
    static func catching(_ context: GatewayRequestContext, _ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch {
            return make(for: error, context: context)
        }
    }

    static func make(for error: any Error, context: GatewayRequestContext) -> Response {
        let problem: Problem
        var headers: HTTPFields = [:]
        switch error {
        case let limited as RateLimited:
            problem = .oauth("slow_down", limited.problem.detail ?? "Too many requests.", status: 429)
            headers[.retryAfter] = "\(max(1, limited.decision.retryAfterSeconds))"
            for field in RateLimits.headers(limited.decision) { headers.append(field) }
        case let given as Problem where given.code == "rate_limited":
            // token-service's per-session refresh limit, in OAuth's words.
            problem = .oauth("slow_down", given.detail ?? "Too many requests.", status: 429)
            headers[.retryAfter] = "\(max(1, given.retryAfterSeconds ?? 1))"
        case let given as Problem:
            problem = given
        default:
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            problem = .internalError()
        }
        let name: String
        switch problem.status {
        case 500...: name = problem.status == 500 ? "server_error" : "temporarily_unavailable"
        default: name = Self.names.contains(problem.code) ? problem.code : "invalid_request"
        }
        if name == "invalid_client" { headers[.wwwAuthenticate] = #"Basic realm="gatehouse""# }
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        headers[.requestID] = context.requestID
        var body = problem.extensions ?? [:]
        body["error"] = name
        body["error_description"] = problem.detail ?? problem.title
        let buffer = (try? JSON.encode(body)) ?? ByteBuffer(string: #"{"error":"server_error"}"#)
        return Response(status: .init(code: problem.status), headers: headers, body: .init(byteBuffer: buffer))
    }

    /// The error names OAuth clients know (RFC 6749 section 5.2, RFC 8628's slow_down), and
    /// `mfa_required` (with its `mfa_token`) for a password grant that needs a second factor.
    static let names: Set<String> = [
        "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type",
        "invalid_scope", "unsupported_token_type", "slow_down", "mfa_required",
    ]
}
