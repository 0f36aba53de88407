import Foundation
import Shared

/// `token.refresh`: rotates a refresh token (DESIGN.md section 5). Each token is spent once; a
/// retry within the service's grace window gets the same new pair; a spent token presented later
/// means it was stolen or copied, so its whole session is revoked.
struct Refresh: Sendable {
    let store: RefreshStore
    let tokens: TokenIssuer
    var sessionLimit: SessionRefreshLimit?
    let inFlight = RefreshesInFlight()

    /// `service`, when given, is the only service whose tokens may be refreshed here (an OAuth
    /// client refreshes only its own; a web client's cookie is its service's).
    func refresh(_ request: RefreshRequest, service: String? = nil, requestID: String?) async throws -> TokenGrant {
        let expected = service ?? request.service
        let tokens = self.tokens
        // Refreshes of one token queue here on this instance; the conditional spend orders them across instances.
        let outcome = try await inFlight.serialize(request.refreshToken) {
            try await store.rotate(token: request.refreshToken, requestID: requestID) { family in
                // Run for a retry answered from the grace copy too.
                let service = family.service
                if let expected, service.slug != expected { throw Self.invalid("The refresh token was issued to another client.") }
                guard family.role != nil else { throw Self.invalid("The account is no longer a member of the service.") }
                try service.requireOpen()
                if let origin = request.cookieOrigin, !service.allowedOrigins.contains(origin) {
                    throw Problem(status: 403, code: "origin_not_allowed", title: "Origin not allowed",
                                  detail: "A cookie refresh must come from one of the service's allowed origins.")
                }
            } issue: { [sessionLimit] family, next in
                let service = family.service
                guard let role = family.role else { throw Self.invalid("The account is no longer a member of the service.") }
                try await sessionLimit?.admit(session: family.sessionID)
                let ttl = min(family.rememberMe ? service.rememberMeTTL : service.refreshTokenTTL, service.sessionLifetime)
                return try await tokens.grant(
                    user: family.user, tokenVersion: family.tokenVersion, platformRole: family.platformRole, service: service, role: role,
                    sessionID: family.sessionID, mfa: family.mfa, refreshToken: next, refreshTTL: ttl, clientType: family.clientType)
            }
        }
        switch outcome {
        case .rotated(let grant), .replayed(let grant):
            return grant
        case .reused:
            throw Problem(status: 401, code: "refresh_token_reused", title: "Refresh token reused",
                          detail: "This refresh token was already used; its session has been ended.")
        case .refused(let reason):
            throw Self.invalid(reason)
        }
    }

    static func invalid(_ detail: String) -> Problem {
        Problem(status: 401, code: "invalid_refresh_token", title: "Invalid refresh token", detail: detail)
    }
}

/// One queue per refresh token being refreshed on this instance: a client that fires the same
/// refresh many times at once is answered one by one (the later ones from the grace copy) instead
/// of piling up on the row lock.
actor RefreshesInFlight {
    private var tails: [String: Task<Void, Never>] = [:]

    func serialize<T: Sendable>(_ key: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = tails[key]
        let task = Task {
            await previous?.value
            return try await body()
        }
        let tail = Task { _ = try? await task.value }
        tails[key] = tail
        defer { Task { await self.forget(key, tail) } }
        return try await task.value
    }

    private func forget(_ key: String, _ tail: Task<Void, Never>) async {
        await tail.value
        if tails[key] == tail { tails[key] = nil }
    }
}
