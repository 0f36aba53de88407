import Foundation
import Logging
import PostgresNIO
import Shared

/// `token.login`: password sign-in to one service (docs/accounts.md). Every refusal for a wrong
/// identifier or password looks the same and takes as long: a bcrypt comparison runs whether or
/// not the account exists, and the attempt is claimed and settled through `SignInThrottle` the
/// same way for both (docs/security.md).
struct Login: Sendable {
  let services: ServiceStore
  let store: LoginStore
  let throttle: SignInThrottleStore
  let hasher: PasswordHasher
  let tokens: TokenIssuer
  let multiFactor: MultiFactor
  /// A bcrypt hash of nothing anyone knows, at the configured cost, to compare against when
  /// there is no account.
  let decoyHash: String
  /// Attempts on one account from many addresses (docs/security.md, "Signals").
  let signals: SecuritySignals

  func login(_ request: LoginRequest, requestID: String?) async throws -> TokenGrant {
    let body = request.body
    guard (body.username == nil) != (body.email == nil) else {
      throw RequestProblems.invalidField.problem("Give either username or email.", field: body.username == nil ? "username" : "email")
    }
    let service = try await services.open(slug: body.service)
    guard service.allowedClientTypes.contains(body.clientType.rawValue) else {
      throw SignInProblems.clientTypeNotAllowed.problem(
        "\(service.slug) does not accept \(body.clientType.rawValue) clients.",
        field: "client_type")
    }
    let outcome = try await checkPassword(
      service: service, username: body.username, email: body.email, password: body.password, client: request.client,
      requestID: requestID
    ) { account, connection in
      try await store.open(
        account: account, service: service, clientType: body.clientType, rememberMe: body.rememberMe ?? false,
        secondFactor: nil, method: "password", client: request.client, requestID: requestID, on: connection)
    }
    switch outcome {
    case .secondFactor(let account):
      try await multiFactor.requireSecondFactor(
        account: account, service: service, clientType: body.clientType,
        rememberMe: body.rememberMe ?? false, client: request.client, requestID: requestID)
    case .signedIn(let account, let opened):
      return try await tokens.grant(account: account, service: service, opened: opened, clientType: body.clientType)
    }
  }

  enum Outcome<Opened: Sendable>: Sendable {
    /// The password matched an account with MFA on: the sign-in waits for the second factor.
    case secondFactor(LoginStore.Account)
    case signedIn(LoginStore.Account, Opened)
  }

  /// The password checked under the lock-out's rules (the JSON API, the OAuth password grant and
  /// the sign-in page alike). Without a second factor, `open` runs in the transaction that
  /// settles the attempt's claim, and opens whatever the caller signs in to.
  func checkPassword<Opened: Sendable>(
    service: ServiceRecord, username: String?, email: String?, password: String, client: ClientInfo, requestID: String?,
    open: (LoginStore.Account, PostgresConnection) async throws -> Opened
  ) async throws -> Outcome<Opened> {
    let typed = username.map { "name:\(Username.key($0))" } ?? "email:\((email ?? "").lowercased())"
    let account = try await store.account(username: username, email: email)
    let subject = SignInThrottle.Subject(userID: account?.id, typed: typed, client: client)
    let pause = try await throttle.admit(subject)
    // Every claim is settled once: as a failure, a success, or given back when the attempt
    // ends otherwise (an error, a disabled account, the deadline).
    var settled = false
    do {
      if pause > .zero { try await Task.sleep(for: pause) }
      let matches = try await hasher.verify(password, against: account?.passwordHash ?? decoyHash)
      // Counted for a name no account has too (on what was typed), so the round trip tells no one
      // whether the account exists.
      if let ip = client.ip {
        await signals.count(.addressesOfAccount, subject: account?.id.uuidString.lowercased() ?? typed, address: ip)
      }
      guard let account, account.passwordHash != nil, matches else {
        let lockedUntil = try await throttle.failed(subject, serviceID: service.id, client: client, requestID: requestID, slowed: pause)
        settled = true
        if let lockedUntil { throw SignInThrottle.locked(until: lockedUntil) }
        throw SignInProblems.invalidCredentials.problem("The username, e-mail or password is wrong.")
      }
      guard account.isActive else {
        throw SignInProblems.accountDisabled.problem("This account is disabled.")
      }
      // Said only to whoever proved the password, so it tells no one else about the account.
      try service.admits(emailVerified: account.emailVerified)
      if account.mfaEnabled {
        try await throttle.succeeded(subject)
        settled = true
        return .secondFactor(account)
      }
      let opened = try await store.postgres.transaction(logger: store.logger) { connection in
        try await throttle.succeeded(subject, on: connection)
        return try await open(account, connection)
      }
      settled = true
      return .signedIn(account, opened)
    } catch {
      if !settled { throttle.releaseDetached(subject) }
      throw error
    }
  }
}
