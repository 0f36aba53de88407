import Foundation
import Logging
import Shared

/// `token.login`: password sign-in to one service (issue 3). Every refusal for a wrong
/// identifier or password looks the same and takes as long: a bcrypt comparison runs whether or
/// not the account exists.
struct Login: Sendable {
    let services: ServiceStore
    let store: LoginStore
    let hasher: PasswordHasher
    let tokens: TokenIssuer
    let multiFactor: MultiFactor
    /// A bcrypt hash of nothing anyone knows, at the configured cost, to compare against when
    /// there is no account.
    let decoyHash: String

    func login(_ request: LoginRequest, requestID: String?) async throws -> TokenGrant {
        let body = request.body
        guard (body.username == nil) != (body.email == nil) else {
            throw Problem.unprocessable("Give either username or email.", field: body.username == nil ? "username" : "email")
        }
        let service = try await services.open(slug: body.service)
        guard service.allowedClientTypes.contains(body.clientType.rawValue) else {
            throw Problem(status: 400, code: "client_type_not_allowed", title: "Client type not allowed",
                          detail: "\(service.slug) does not accept \(body.clientType.rawValue) clients.", field: "client_type")
        }
        let account = try await store.account(username: body.username, email: body.email)
        if let lockedUntil = account?.lockedUntil, lockedUntil > Date() {
            throw Self.locked(until: lockedUntil)
        }
        let matches = try await hasher.verify(body.password, against: account?.passwordHash ?? decoyHash)
        guard let account, account.passwordHash != nil, matches else {
            if let account {
                if let lockedUntil = try await store.recordFailure(userID: account.id, serviceID: service.id, client: request.client, requestID: requestID) {
                    throw Self.locked(until: lockedUntil)
                }
            }
            throw Problem(status: 401, code: "invalid_credentials", title: "Invalid credentials",
                          detail: "The username, e-mail or password is wrong.")
        }
        guard account.isActive else {
            throw Problem(status: 403, code: "account_disabled", title: "Account disabled", detail: "This account is disabled.")
        }
        if account.mfaEnabled {
            try await multiFactor.requireSecondFactor(account: account, service: service, clientType: body.clientType,
                                                      rememberMe: body.rememberMe ?? false, client: request.client, requestID: requestID)
        }
        let opened = try await store.open(
            account: account, service: service, clientType: body.clientType, rememberMe: body.rememberMe ?? false,
            client: request.client, requestID: requestID)
        return try await tokens.grant(account: account, service: service, opened: opened, clientType: body.clientType)
    }

    static func locked(until: Date) -> Problem {
        Problem(status: 423, code: "account_locked", title: "Account locked",
                detail: "Too many failed sign-ins. Try again after \(until.formatted(.iso8601)).")
    }
}
