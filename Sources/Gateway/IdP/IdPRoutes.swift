import Foundation
import Hummingbird
import NIOCore
import Shared

/// `/api/v1/idp/*`: service providers ask (client credentials), people decide (their access token).
enum IdPRoutes {
    static func add(to router: Router<GatewayRequestContext>, rpc: RPCClient, verifier: AccessTokenVerifier,
                    waiters: TransactionWaiters, events: EventBus) {
        let idp = router.group("api/v1/idp")
        // The SP's side.
        idp.post("requests") { request, context in
            let body = try await JSONBody.decode(VerificationRequestBody.self, from: request)
            let created = try await rpc.relay(IdPRPC.createRequest, VerificationRequest(credentials: try spCredentials(request), body: body),
                                              context: context.rpcContext)
            return JSONResponse.relayed(created, status: .created)
        }
        idp.get("requests/:id") { request, context in
            let id = try context.parameters.require("id")
            let call = SPTransactionRequest(credentials: try spCredentials(request), transactionID: id)
            let wait = min(30, max(0, request.uri.queryParameters["wait"].flatMap { Int(String($0)) } ?? 0))
            guard wait > 0 else { return JSONResponse.relayed(try await rpc.relay(IdPRPC.requestStatus, call, context: context.rpcContext)) }
            // Long poll: answer as soon as the status leaves PENDING, or after `wait` seconds.
            // Events are at most once, so every wake-up re-reads; once past expires_at, the
            // status is re-read every 250 ms until the expiry (by any instance's sweeper) lands.
            let deadline = ContinuousClock.now + .seconds(wait)
            while true {
                let ticket = await waiters.register(id.lowercased())   // before the read, so no change is missed
                let current: VerificationStatus
                do { current = try await rpc.call(IdPRPC.requestStatus, call, context: context.rpcContext) } catch {
                    await waiters.cancel(ticket)
                    throw error
                }
                let left = deadline - ContinuousClock.now
                guard current.status == .pending, left > .zero, !Task.isCancelled else {
                    await waiters.cancel(ticket)
                    return try JSONResponse.make(current)
                }
                let untilExpiry = Duration.milliseconds(Int64(max(0, current.expiresAt.timeIntervalSinceNow) * 1000))
                let nap = untilExpiry > .zero ? untilExpiry + .milliseconds(100) : .milliseconds(250)
                _ = await waiters.wait(ticket, timeout: min(left, nap))
            }
        }
        idp.post("requests/:id/result") { request, context in
            let body = try await JSONBody.decode(AuthCodeBody.self, from: request)
            let result = try await rpc.relay(IdPRPC.result, SPResultRequest(
                credentials: try spCredentials(request), transactionID: try context.parameters.require("id"), authCode: body.authCode),
                context: context.rpcContext)
            return JSONResponse.relayed(result)
        }
        // The person's side.
        for (path, confirm) in [("requests/:id/confirm", true), ("requests/:id/reject", false)] {
            idp.post(RouterPath(stringLiteral: path)) { request, context in
                let user = try await verifier.signedInUser(request, context: context)
                let pin = confirm ? try await JSONBody.decode(PinBody.self, from: request).pinCode : nil
                let decision = UserDecision(userID: user.sub, transactionID: try context.parameters.require("id"), pinCode: pin,
                                            client: context.client(request))
                return JSONResponse.relayed(try await rpc.relay(confirm ? IdPRPC.confirm : IdPRPC.reject, decision, context: context.rpcContext))
            }
        }
        // A new number waits for its SMS code: 202 with what to do next; the number is the
        // profile's once POST profile/phone/verify proves it.
        idp.put("profile") { request, context in
            let user = try await verifier.signedInUser(request, context: context)
            let body = try await JSONBody.decode(IdentityProfileBody.self, from: request)
            let profile = try await rpc.call(
                IdPRPC.putProfile, PutIdentityProfile(userID: user.sub, body: body, client: context.client(request)), context: context.rpcContext)
            let waiting = profile.phoneVerification?.userPhoneNumber == body.userPhoneNumber.trimmingCharacters(in: .whitespaces)
            return try JSONResponse.make(profile, status: waiting ? .accepted : .ok)
        }
        idp.post("profile/phone/verify") { request, context in
            let user = try await verifier.signedInUser(request, context: context)
            let body = try await JSONBody.decode(PhoneCodeBody.self, from: request)
            return JSONResponse.relayed(try await rpc.relay(
                IdPRPC.verifyPhone, VerifyPhone(userID: user.sub, code: body.code, client: context.client(request)), context: context.rpcContext))
        }
        idp.put("profile/pin") { request, context in
            let user = try await verifier.signedInUser(request, context: context)
            let body = try await JSONBody.decode(PinChangeBody.self, from: request)
            return JSONResponse.relayed(try await rpc.relay(
                IdPRPC.changePin, ChangePin(userID: user.sub, body: body, client: context.client(request)), context: context.rpcContext))
        }
        idp.get("inbox") { request, context in
            let user = try await verifier.signedInUser(request, context: context)
            return JSONResponse.relayed(try await rpc.relay(IdPRPC.inbox, UserRequest(userID: user.sub), context: context.rpcContext))
        }
        idp.get("history") { request, context in
            let user = try await verifier.signedInUser(request, context: context)
            let query = request.uri.queryParameters
            let limit = try query["limit"].map { text throws(Problem) -> Int in
                guard let value = Int(String(text)) else { throw Problem.unprocessable("limit is a number.", field: "limit") }
                return value
            } ?? 20
            let cursor = query["cursor"].map(String.init)
            return JSONResponse.relayed(try await rpc.relay(IdPRPC.history, HistoryRequest(userID: user.sub, limit: limit, cursor: cursor),
                                                            context: context.rpcContext))
        }
        // The SP with its credentials, or its owner or a super admin with a token and ?client_id=.
        idp.get("stats") { request, context in
            let days = request.uri.queryParameters["days"].flatMap { Int(String($0)) } ?? 30
            if request.headers[.authorization]?.lowercased().hasPrefix("bearer ") == true {
                let actor = try await verifier.platformAdmin(request, context: context)
                guard let clientID = request.uri.queryParameters["client_id"].map(String.init), !clientID.isEmpty else {
                    throw Problem.unprocessable("Name the service provider with client_id.", field: "client_id")
                }
                return JSONResponse.relayed(try await rpc.relay(IdPRPC.adminStats, SPAdminRequest(actor: actor, clientID: clientID, days: days),
                                                                context: context.rpcContext))
            }
            return JSONResponse.relayed(try await rpc.relay(IdPRPC.stats, StatsRequest(credentials: try spCredentials(request), days: days),
                                                            context: context.rpcContext))
        }
        idp.get("inbox/stream") { request, context in
            let user = try await verifier.signedInUser(request, context: context)
            let token = String(request.headers[.authorization]?.dropFirst(7) ?? "")
            return try await InboxStream.response(token: token, claims: user, verifier: verifier, rpc: rpc, events: events, context: context)
        }
    }

    /// An SP's client credentials: HTTP Basic, or `X-Client-ID` / `X-Client-Secret`.
    static func spCredentials(_ request: Request) throws -> ClientCredentials {
        switch BasicCredentials.parse(request) {
        case .absent:
            break
        case .malformed:
            throw Problem(status: 401, code: "invalid_client", title: "Invalid client", detail: "The Basic credentials are malformed.")
        case .present(let id, let secret):
            return ClientCredentials(clientID: id, clientSecret: secret)
        }
        guard let id = request.headers[.xClientID], let secret = request.headers[.xClientSecret] else {
            throw Problem(status: 401, code: "invalid_client", title: "Invalid client",
                          detail: "Authenticate with HTTP Basic (client_id:client_secret) or X-Client-ID and X-Client-Secret.")
        }
        return ClientCredentials(clientID: id, clientSecret: secret)
    }
}
