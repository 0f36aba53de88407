import Hummingbird
import Shared

/// `/account/identity`, the account console's identity-verification profile (docs/pages.md):
/// set it up (a phone number and a PIN), change the number, and prove a number with the code
/// sent to it by SMS. The JSON API's rules (docs/idp.md): a number is the profile's only once
/// proven; until then the proven one keeps working.
struct AccountIdentityController: Sendable {
  let rpc: RPCClient
  let pages: HostedPages

  func addRoutes(to group: RouterGroup<SignedInContext>) {
    group.post("phone", use: setPhone)
      .post("phone/verify", use: verifyPhone)
  }

  /// `POST /account/identity/phone {phone, current_password, pin?}`: the PIN for a new profile;
  /// the gate first (SignedInContext.putIdentityProfile). The code goes out by SMS.
  @Sendable func setPhone(_ request: Request, context: SignedInContext) async throws -> Response {
    await form(request, context) { form in
      let pin = form["pin"].flatMap { $0.isEmpty ? nil : $0 }
      let body = IdentityProfileBody(
        userPhoneNumber: Self.dashed(form["phone"] ?? ""), pinCode: pin, currentPassword: form["current_password"])
      let profile = try await context.putIdentityProfile(body, request: request, rpc: rpc)
      return profile.phoneVerification == nil ? "phone_unchanged" : "phone_code_sent"
    }
  }

  /// `POST /account/identity/phone/verify {code}`.
  @Sendable func verifyPhone(_ request: Request, context: SignedInContext) async throws -> Response {
    await form(request, context) { form in
      _ = try await rpc.call(
        IdPRPC.verifyPhone, VerifyPhone(code: form["code"] ?? "", client: context.client(request)), context: context.rpcContext)
      return "phone_verified"
    }
  }

  /// `01012345678` as the API writes it, `010-1234-5678` (phones' keypads type no dashes);
  /// anything else as typed, for the API to refuse.
  static func dashed(_ typed: String) -> String {
    let digits = typed.filter { !$0.isWhitespace }
    guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), [10, 11].contains(digits.count) else { return typed }
    let middle = digits.count - 7
    return "\(digits.prefix(3))-\(digits.dropFirst(3).prefix(middle))-\(digits.suffix(4))"
  }

  /// Back to the section saying what happened; no SMS to send is said there too, not an error page.
  private func form(
    _ request: Request, _ context: SignedInContext, _ body: ([String: String]) async throws -> String
  ) async -> Response {
    let shown: (Problem) -> Bool = { $0.statusCode < 500 || $0.code == IdPProblems.smsUnavailable.code }
    return await pages.form(request, context.parent, refusedBackTo: "/account", section: "identity", shown: shown) { form in
      ConsoleForm.back(to: "/account", section: "identity", outcome: ("done", try await body(form)))
    }
  }
}
