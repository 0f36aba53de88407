import Hummingbird
import Shared

/// `/api/v1/idp/*`, the person's side (docs/idp.md): with their access token (SignedInContext)
/// people confirm or reject what service providers ask, keep their identity profile, and read
/// their inbox and history.
struct IdPPersonController: Sendable {
  let rpc: RPCClient
  let verifier: AccessTokenVerifier
  let events: EventBus

  func addRoutes(to group: RouterGroup<SignedInContext>) {
    group.post("requests/:id/confirm", use: confirm)
      .post("requests/:id/reject", use: reject)
      .get("profile", use: profile)
      .put("profile", use: putProfile)
      .post("profile/phone/verify", use: verifyPhone)
      .put("profile/pin", use: changePin)
      .get("inbox", use: inbox)
      .get("history", use: history)
      .get("inbox/stream", use: inboxStream)
  }

  @Sendable func confirm(_ request: Request, context: SignedInContext) async throws -> Response {
    let pin = try await JSONBody.decode(PinBody.self, from: request).pinCode
    return try await decide(IdPRPC.confirm, pin: pin, request, context)
  }

  @Sendable func reject(_ request: Request, context: SignedInContext) async throws -> Response {
    try await decide(IdPRPC.reject, pin: nil, request, context)
  }

  private func decide(
    _ method: RPCMethod<UserDecision, DecisionResult>, pin: String?, _ request: Request,
    _ context: SignedInContext
  ) async throws -> Response {
    let decision = UserDecision(
      transactionID: try context.parameters.require("id"), pinCode: pin,
      client: context.client(request))
    return JSONResponse.relayed(try await rpc.relay(method, decision, context: context.rpcContext))
  }

  @Sendable func profile(_ request: Request, context: SignedInContext) async throws -> Response {
    JSONResponse.relayed(try await rpc.relay(IdPRPC.profile, NoRequest(), context: context.rpcContext))
  }

  /// A new number waits for its SMS code: 202 with what to do next; the number is the
  /// profile's once POST profile/phone/verify proves it. The number is where service providers'
  /// requests for the person go, and whose proof answers with the person's CI: setting it passes
  /// the same gate as linking a social account (a first-party token and a recent proof).
  @Sendable func putProfile(_ request: Request, context: SignedInContext) async throws -> Response {
    let body = try await JSONBody.decode(IdentityProfileBody.self, from: request)
    let profile = try await context.putIdentityProfile(body, request: request, rpc: rpc)
    let waiting = profile.phoneVerification?.userPhoneNumber == body.userPhoneNumber.trimmingCharacters(in: .whitespaces)
    return try JSONResponse.make(profile, status: waiting ? .accepted : .ok)
  }

  @Sendable func verifyPhone(_ request: Request, context: SignedInContext) async throws -> Response {
    let body = try await JSONBody.decode(PhoneCodeBody.self, from: request)
    let call = VerifyPhone(code: body.code, client: context.client(request))
    return JSONResponse.relayed(try await rpc.relay(IdPRPC.verifyPhone, call, context: context.rpcContext))
  }

  @Sendable func changePin(_ request: Request, context: SignedInContext) async throws -> Response {
    let body = try await JSONBody.decode(PinChangeBody.self, from: request)
    let call = ChangePin(body: body, client: context.client(request))
    return JSONResponse.relayed(try await rpc.relay(IdPRPC.changePin, call, context: context.rpcContext))
  }

  @Sendable func inbox(_ request: Request, context: SignedInContext) async throws -> Response {
    JSONResponse.relayed(try await rpc.relay(IdPRPC.inbox, NoRequest(), context: context.rpcContext))
  }

  @Sendable func history(_ request: Request, context: SignedInContext) async throws -> Response {
    let query = request.uri.queryParameters
    let limit =
      try query["limit"].map { text throws(Problem) -> Int in
        guard let value = Int(String(text)) else { throw RequestProblems.invalidField.problem("limit is a number.", field: "limit") }
        return value
      } ?? 20
    let call = HistoryRequest(limit: limit, cursor: query["cursor"].map(String.init))
    return JSONResponse.relayed(try await rpc.relay(IdPRPC.history, call, context: context.rpcContext))
  }

  /// Server-Sent Events until the token it was opened with stops verifying (InboxStream).
  @Sendable func inboxStream(_ request: Request, context: SignedInContext) async throws -> Response {
    let token = String(request.headers[.authorization]?.dropFirst(7) ?? "")
    return try await InboxStream.response(token: token, verifier: verifier, rpc: rpc, events: events, context: context)
  }
}
