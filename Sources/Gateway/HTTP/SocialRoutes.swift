import Foundation
import Hummingbird
import Shared

/// Social sign-in (issue 4): `/api/v1/social/*` for apps and browsers, and the signed-in user's
/// linked accounts under `/api/v1/users/me/social-accounts`. social-service decides; the
/// gateway turns its answers into redirects and token responses.
enum SocialRoutes {
    static func add(to router: Router<GatewayRequestContext>, rpc: RPCClient, verifier: AccessTokenVerifier, limits: RateLimits) {
        let social = router.group("api/v1/social")
        social.get("providers") { request, context in
            let service = try required(request, "service")
            return JSONResponse.relayed(try await rpc.relay(SocialRPC.providers, SocialProvidersRequest(service: service), context: context.rpcContext))
        }
        social.get(":provider/authorize") { request, context in
            _ = try await limits.enforce([(limits.social, "ip:\(context.client(request).ip ?? "unknown")")])
            let query = request.uri.queryParameters
            let redirect = try await rpc.call(SocialRPC.authorize, SocialAuthorizeRequest(
                provider: try context.parameters.require("provider"), service: try required(request, "service"),
                redirectURI: try required(request, "redirect_uri"), state: query["state"].map(String.init),
                codeChallenge: query["code_challenge"].map(String.init), codeChallengeMethod: query["code_challenge_method"].map(String.init)),
                context: context.rpcContext)
            return found(redirect.location)
        }
        @Sendable func callback(_ request: Request, _ context: GatewayRequestContext, form: [String: String]) async throws -> Response {
            var parameters = form
            for (name, value) in request.uri.queryParameters where parameters[String(name)] == nil {
                parameters[String(name)] = String(value)
            }
            let redirect = try await rpc.call(SocialRPC.callback, SocialCallbackRequest(
                provider: try context.parameters.require("provider"), parameters: parameters, client: context.client(request)),
                context: context.rpcContext)
            return found(redirect.location)
        }
        social.get(":provider/callback") { request, context in try await callback(request, context, form: [:]) }
        // Apple's response_mode=form_post.
        social.post(":provider/callback") { request, context in
            try await callback(request, context, form: try await FormBody.decode(request))
        }
        social.post("token") { request, context in
            let body = try await JSONBody.decode(SocialExchangeBody.self, from: request)
            let grant = try await rpc.call(SocialRPC.exchange, SocialExchangeRequest(body: body, client: context.client(request)),
                                           context: context.rpcContext)
            return try TokenResponseBody.response(for: grant)
        }

        let mine = router.group("api/v1/users/me/social-accounts")
        mine.get { request, context in
            let user = try await verifier.signedInUser(request, context: context)
            return JSONResponse.relayed(try await rpc.relay(SocialRPC.linkedAccounts, SocialUserRequest(userID: user.sub), context: context.rpcContext))
        }
        // Linking and unlinking change how the account can be signed in to: token-service first
        // checks the token is a first-party service's and its session proved who is there
        // recently (the current password sent with the request, or a second factor).
        @Sendable func reauthenticate(_ user: AccessTokenClaims, _ purpose: String, _ password: String?, _ request: Request,
                                      _ context: GatewayRequestContext) async throws {
            _ = try await rpc.call(TokenRPC.reauthenticate, ReauthenticationRequest(
                claims: user, purpose: purpose, currentPassword: password, client: context.client(request)), context: context.rpcContext)
        }
        mine.post(":provider") { request, context in
            let user = try await verifier.signedInUser(request, context: context)
            let body = try await JSONBody.decode(LinkStart.self, from: request)
            try await reauthenticate(user, "social_link", body.currentPassword, request, context)
            let redirect = try await rpc.call(SocialRPC.authorize, SocialAuthorizeRequest(
                provider: try context.parameters.require("provider"), service: user.aud, redirectURI: body.redirectURI, state: body.state,
                codeChallenge: nil, codeChallengeMethod: nil, linkUserID: user.sub), context: context.rpcContext)
            return try JSONResponse.make(LinkStarted(authorizeURL: redirect.location))
        }
        mine.post(":provider/complete") { request, context in
            let user = try await verifier.signedInUser(request, context: context)
            let body = try await JSONBody.decode(LinkCode.self, from: request)
            try await reauthenticate(user, "social_link", body.currentPassword, request, context)
            return JSONResponse.relayed(try await rpc.relay(SocialRPC.completeLink, SocialLinkCompletion(
                userID: user.sub, provider: try context.parameters.require("provider"), code: body.linkCode), context: context.rpcContext))
        }
        mine.delete(":provider") { request, context in
            let user = try await verifier.signedInUser(request, context: context)
            let body = request.headers[.contentType] == nil ? nil : try await JSONBody.decode(CurrentPasswordBody.self, from: request)
            try await reauthenticate(user, "social_unlink", body?.currentPassword, request, context)
            return JSONResponse.relayed(try await rpc.relay(
                SocialRPC.unlink, SocialUserRequest(userID: user.sub, provider: try context.parameters.require("provider")),
                context: context.rpcContext))
        }
    }

    static func required(_ request: Request, _ name: String) throws -> String {
        guard let value = request.uri.queryParameters[Substring(name)], !value.isEmpty else {
            throw Problem.badRequest("\(name) is required.", field: name)
        }
        return String(value)
    }

    /// 302 to `location`, never cached.
    static func found(_ location: String) -> Response {
        Response(status: .found, headers: [.location: location, .cacheControl: "no-store"])
    }

    struct LinkStart: Decodable {
        let redirectURI: String
        let state: String?
        let currentPassword: String?

        enum CodingKeys: String, CodingKey {
            case redirectURI = "redirect_uri"
            case currentPassword = "current_password"
            case state
        }
    }

    struct LinkCode: Decodable {
        let linkCode: String
        let currentPassword: String?

        enum CodingKeys: String, CodingKey {
            case linkCode = "link_code"
            case currentPassword = "current_password"
        }
    }

    struct CurrentPasswordBody: Decodable {
        let currentPassword: String?

        enum CodingKeys: String, CodingKey {
            case currentPassword = "current_password"
        }
    }

    struct LinkStarted: Encodable {
        let authorizeURL: String

        enum CodingKeys: String, CodingKey {
            case authorizeURL = "authorize_url"
        }
    }
}
