import Shared

/// `/api/v1/idp/*` (docs/idp.md): service providers asking for verifications, the people who
/// approve them, and the SPs' administration.
enum IdPAPI {
  static let idp = RequestProblems.all + PlatformProblems.all + IdPProblems.all
  static let person = idp + AccountProblems.all + SignInProblems.all

  static let operations: [APIOperation] = serviceProvider + people + administration

  static let serviceProvider: [APIOperation] = [
    .init(
      .post, "/api/v1/idp/requests", tag: "Identity verification", "Ask a person (by phone number) to verify",
      security: [.serviceProvider], request: .json(VerificationRequestBody.self),
      answers: [.ok(IdPRPC.createRequest, "Asked", status: 201)],
      problems: idp),
    .init(
      .get, "/api/v1/idp/requests/:id", tag: "Identity verification", "A request's status (`?wait=` seconds, at most 30: a long poll)",
      security: [.serviceProvider], query: [.integer("wait")], answers: [.ok(IdPRPC.requestStatus)], problems: idp),
    .init(
      .post, "/api/v1/idp/requests/:id/result", tag: "Identity verification", "The result JWE, once, for the callback's auth_code",
      security: [.serviceProvider], request: .json(AuthCodeBody.self), answers: [.ok(IdPRPC.result)], problems: idp),
    .init(
      .get, "/api/v1/idp/stats", tag: "Identity verification", "Per-day counts (`?days=`): the SP's own, or an admin's `?client_id=`",
      security: [.serviceProvider, .bearer], query: [.integer("days"), "client_id"], answers: [.ok(IdPRPC.stats)], problems: idp),
  ]

  static let people: [APIOperation] = [
    .init(
      .post, "/api/v1/idp/requests/:id/confirm", tag: "Verification (people)", "Approve a request with the PIN", security: [.bearer],
      request: .json(PinBody.self), answers: [.ok(IdPRPC.confirm)], problems: person),
    .init(
      .post, "/api/v1/idp/requests/:id/reject", tag: "Verification (people)", "Refuse a request", security: [.bearer],
      answers: [.ok(IdPRPC.reject)], problems: person),
    .init(
      .get, "/api/v1/idp/profile", tag: "Verification (people)", "The caller's verification profile", security: [.bearer],
      answers: [.ok(IdPRPC.profile)], problems: person),
    .init(
      .put, "/api/v1/idp/profile", tag: "Verification (people)", "Set the phone number (and, new, the PIN): a code goes by SMS",
      security: [.bearer], request: .json(IdentityProfileBody.self),
      answers: [.ok(IdPRPC.putProfile, "Unchanged"), .ok(IdPRPC.putProfile, "The code was sent; the number waits for it", status: 202)],
      problems: person),
    .init(
      .post, "/api/v1/idp/profile/phone/verify", tag: "Verification (people)", "Prove the number with the SMS code", security: [.bearer],
      request: .json(PhoneCodeBody.self), answers: [.ok(IdPRPC.verifyPhone)], problems: person),
    .init(
      .put, "/api/v1/idp/profile/pin", tag: "Verification (people)", "Change the PIN", security: [.bearer],
      request: .json(PinChangeBody.self), answers: [.ok(IdPRPC.changePin)], problems: person),
    .init(
      .get, "/api/v1/idp/inbox", tag: "Verification (people)", "The requests waiting for the caller", security: [.bearer],
      answers: [.ok(IdPRPC.inbox)], problems: person),
    .init(
      .get, "/api/v1/idp/history", tag: "Verification (people)", "The caller's past requests (`?limit=&cursor=`)", security: [.bearer],
      query: [.integer("limit"), "cursor"],
      answers: [.ok(IdPRPC.history)], problems: person),
    .init(
      .get, "/api/v1/idp/inbox/stream", tag: "Verification (people)", "New requests as Server-Sent Events", security: [.bearer],
      answers: [.init(status: 200, summary: "`event: request` per new request; `event: revoked` at the end", body: .eventStream)],
      problems: person),
  ]

  static let administration: [APIOperation] = [
    .init(
      .post, "/api/v1/idp/service-providers", tag: "Identity verification (admin)", "Create an SP: every secret, shown once",
      security: [.bearer], request: .json(ServiceProviderBody.self), answers: [.ok(IdPRPC.createServiceProvider, "Created", status: 201)],
      problems: idp),
    .init(
      .get, "/api/v1/idp/service-providers", tag: "Identity verification (admin)", "The SPs the caller manages", security: [.bearer],
      answers: [.ok(IdPRPC.listServiceProviders)], problems: idp),
    .init(
      .patch, "/api/v1/idp/service-providers/:client_id", tag: "Identity verification (admin)", "Change an SP", security: [.bearer],
      request: .json(ServiceProviderBody.self), answers: [.ok(IdPRPC.updateServiceProvider)], problems: idp),
    .init(
      .post, "/api/v1/idp/service-providers/:client_id/secret", tag: "Identity verification (admin)", "Rotate an SP's client secret",
      security: [.bearer], answers: [.ok(IdPRPC.rotateServiceProviderSecret)], problems: idp),
    .init(
      .post, "/api/v1/idp/service-providers/:client_id/result-key", tag: "Identity verification (admin)", "Rotate an SP's result key",
      security: [.bearer], answers: [.ok(IdPRPC.rotateResultKey)], problems: idp),
    .init(
      .post, "/api/v1/idp/service-providers/:client_id/deliveries/:delivery_id/resend", tag: "Identity verification (admin)",
      "Send a dead callback again", security: [.bearer], answers: [.ok(IdPRPC.resendDelivery)], problems: idp),
    .init(
      .get, "/api/v1/idp/service-providers/:client_id/stats", tag: "Identity verification (admin)", "An SP's per-day counts",
      security: [.bearer], query: [.integer("days")], answers: [.ok(IdPRPC.adminStats)], problems: idp),
    .init(
      .get, "/api/v1/idp/service-providers/:client_id/deliveries", tag: "Identity verification (admin)", "An SP's callbacks (`?status=`)",
      security: [.bearer], query: ["status"], answers: [.ok(IdPRPC.deliveries)], problems: idp),
    .init(
      .get, "/api/v1/idp/service-providers/:client_id/transactions", tag: "Identity verification (admin)", "An SP's transactions",
      security: [.bearer], query: transactionQuery, answers: [.ok(IdPRPC.adminTransactions)], problems: idp),
    .init(
      .get, "/api/v1/idp/transactions", tag: "Identity verification (admin)", "Transactions across the SPs the caller manages",
      security: [.bearer], query: transactionQuery + ["service_provider"], answers: [.ok(IdPRPC.adminTransactions)], problems: idp),
  ]

  /// `?status=&from=&to=&limit=&cursor=` (AdminTransactionQuery): from and to a day or an ISO 8601 time.
  static let transactionQuery: [APIOperation.QueryParameter] = ["status", "from", "to", .integer("limit"), "cursor"]
}
