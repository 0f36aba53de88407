import Crypto
import Foundation
import Shared

/// A social sign-in from start to tokens (docs/social.md): the authorize redirect with Gatehouse's own
/// state, PKCE and nonce; the callback that checks them, exchanges the code, reads and
/// normalises the profile and finds (or links, or creates) the user; and the one-time login
/// code the client exchanges for tokens, so no token ever travels in a URL.
struct SocialSignIn: Sendable {
  let catalog: ProviderCatalog
  let client: ProviderClient
  let flows: FlowStore
  let profiles: ProfileReader
  let accounts: AccountLinker
  let rpc: RPCClient
  /// The public base URL the providers send browsers back to.
  let publicURL: String

  func callbackURL(_ provider: String) -> String { "\(publicURL)/api/v1/social/\(provider)/callback" }

  func providers(_ request: SocialProvidersRequest) async throws -> SocialProviderList {
    let settings = try await serviceSettings(request.service)
    return SocialProviderList(
      providers: settings.socialProviders.compactMap { catalog.entry($0) }.filter(\.isConfigured).map {
        SocialProviderView(name: $0.name, displayName: $0.displayName, kind: $0.kind.rawValue)
      })
  }

  /// `linkUserID`: the signed-in user a link flow is for (the call's principal); nil for a sign-in.
  func authorize(_ request: SocialAuthorizeRequest, linkUserID: String?) async throws -> SocialRedirect {
    let entry = try configured(request.provider)
    let settings = try await serviceSettings(request.service)
    guard settings.socialProviders.contains(entry.name) else {
      throw SocialProblems.providerNotEnabled.problem("\(settings.slug) does not offer sign-in with \(entry.name).")
    }
    // A hosted page's button comes back to the pending authorization, not to a redirect URI.
    let hosted = request.authorization != nil
    guard hosted || settings.redirectURIs.contains(request.redirectURI) else {
      throw SocialProblems.invalidRedirectURI.problem(
        "redirect_uri is not one of \(settings.slug)'s registered redirect URIs.",
        field: "redirect_uri")
    }
    // A sign-in ends in a login code, exchanged with the client's PKCE verifier; a link flow ends in no code.
    let challenge = request.codeChallenge ?? ""
    guard hosted || linkUserID != nil || (challenge.count == 43 && Base64URL.decode(challenge)?.count == 32) else {
      throw RequestProblems.invalidRequest.problem(
        "Send code_challenge: the S256 PKCE challenge (43 base64url characters).",
        field: "code_challenge")
    }
    guard (request.codeChallengeMethod ?? "S256") == "S256" else {
      throw RequestProblems.invalidRequest.problem("code_challenge_method must be S256.", field: "code_challenge_method")
    }
    guard (request.state?.count ?? 0) <= 512 else {
      throw RequestProblems.invalidRequest.problem("state is at most 512 characters.", field: "state")
    }
    let endpoints: ProviderClient.Endpoints
    do { endpoints = try await client.endpoints(entry) } catch {
      throw SocialProblems.providerUnavailable.problem(error.description)
    }
    let verifier = Base64URL.encode(SecureRandom.bytes(32))
    let nonce = Base64URL.encode(SecureRandom.bytes(16))
    let state = try await flows.save(
      FlowStore.PendingAuthorization(
        provider: entry.name, service: settings.slug, redirectURI: request.redirectURI, clientState: request.state,
        clientChallenge: challenge, verifier: verifier, nonce: nonce, linkUserID: linkUserID, authorization: request.authorization))
    var query = [
      ("response_type", "code"), ("client_id", entry.clientID ?? ""), ("redirect_uri", callbackURL(entry.name)),
      ("state", state), ("code_challenge", Self.challenge(for: verifier)), ("code_challenge_method", "S256"),
    ]
    if !entry.scopes.isEmpty { query.append(("scope", entry.scopes.joined(separator: " "))) }
    if entry.kind == .oidc { query.append(("nonce", nonce)) }
    if let mode = entry.responseMode { query.append(("response_mode", mode)) }
    return SocialRedirect(location: Self.url(endpoints.authorize, adding: query))
  }

  /// The provider sent the browser back. An unknown, used or foreign state is a 400 (there is
  /// no client to send the browser to); anything that goes wrong after that goes back to the
  /// client's redirect URI as `error=` and `error_description=`, with nothing created.
  func callback(_ request: SocialCallbackRequest, requestID: String?) async throws -> SocialRedirect {
    let parameters = request.parameters
    guard let state = parameters["state"], let pending = try await flows.takeState(state) else {
      throw SocialProblems.invalidState.problem("The sign-in's state is unknown, used or expired; start again.", field: "state")
    }
    guard pending.provider == request.provider else {
      throw SocialProblems.invalidState.problem("The state was issued for another provider.", field: "state")
    }
    func back(_ items: [(String, String)]) -> SocialRedirect {
      if pending.authorization != nil { return Self.hostedError(items, provider: pending.provider, browser: request.browser) }
      return SocialRedirect(location: Self.url(pending.redirectURI, adding: items + (pending.clientState.map { [("state", $0)] } ?? [])))
    }
    if let error = parameters["error"] {
      let description = parameters["error_description"] ?? "\(pending.provider) answered \(error)."
      return back([("error", "access_denied"), ("error_description", description)])
    }
    guard let code = parameters["code"], !code.isEmpty else {
      return back([("error", "invalid_request"), ("error_description", "\(pending.provider) sent neither a code nor an error.")])
    }
    do {
      let entry = try configured(pending.provider)
      let endpoints = try await client.endpoints(entry)
      let tokens = try await client.exchange(
        entry, endpoints: endpoints, code: code, redirectURI: callbackURL(entry.name),
        verifier: pending.verifier)
      let profile = try await profiles.read(
        entry, endpoints: endpoints, tokens: tokens, nonce: pending.nonce,
        formUser: parameters["user"])
      if let linkUser = pending.linkUserID {
        // Linked only when the user who started it confirms with their own token (`completeLink`).
        let linkCode = try await flows.save(FlowStore.PendingLink(userID: linkUser, provider: entry.name, profile: profile))
        return back([("link_code", linkCode)])
      }
      let userID = try await accounts.signIn(
        service: pending.service, provider: entry.name, profile: profile, tokens: tokens,
        requestID: requestID)
      if let authorization = pending.authorization, let browser = request.browser {
        let step = try await rpc.call(
          TokenRPC.pageSocialSignIn,
          PageSocialSignIn(
            request: authorization, service: pending.service, userID: userID.uuidString.lowercased(), provider: entry.name,
            browser: browser), context: RPCCallContext(requestID: requestID))
        return SocialRedirect(location: "", step: step)
      }
      let loginCode = try await flows.save(
        FlowStore.LoginCode(
          userID: userID.uuidString.lowercased(), service: pending.service, provider: entry.name, redirectURI: pending.redirectURI,
          clientChallenge: pending.clientChallenge))
      return back([("code", loginCode)])
    } catch let failure as ProviderClient.Failure {
      return back([("error", failure.error), ("error_description", failure.description)])
    } catch let problem as Problem where problem.statusCode < 500 {
      return back([("error", "access_denied"), ("error_description", problem.detail ?? problem.title)])
    } catch {
      // The state is spent: whatever failed, the browser goes back to the client, not to a bare 500.
      return back([("error", "server_error"), ("error_description", "The sign-in could not be completed; try again.")])
    }
  }

  /// A hosted page's sign-in that failed after the provider: the error page, in the person's language.
  static func hostedError(_ items: [(String, String)], provider: String, browser: BrowserInfo?) -> SocialRedirect {
    let detail = items.first { $0.0 == "error_description" }?.1 ?? "\(provider) did not sign you in."
    let problem = SocialProblems.providerDenied.problem(detail)
    return SocialRedirect(
      location: "", step: AuthorizationStep(page: PageView(name: "error", problem: problem, languages: browser?.languages ?? [])))
  }

  /// The login code for the token response, once: the same redirect URI, and the verifier of
  /// the challenge the client sent at authorize (PKCE, RFC 7636).
  func exchange(_ request: SocialExchangeRequest, requestID: String?) async throws -> TokenGrant {
    let body = request.body
    guard let code = try await flows.takeCode(body.code) else { throw Self.invalidGrant("The code is unknown, used or expired.") }
    guard code.redirectURI == body.redirectURI else { throw Self.invalidGrant("redirect_uri is not the one the sign-in began with.") }
    guard ConstantTime.equal(Array(Self.challenge(for: body.codeVerifier).utf8), Array(code.clientChallenge.utf8)) else {
      throw Self.invalidGrant("code_verifier does not match the code_challenge.")
    }
    if let clientID = request.clientID {
      guard try await serviceSettings(code.service).clientID == clientID else {
        throw Self.invalidGrant("The code was issued to another client.")
      }
    }
    return try await rpc.call(
      TokenRPC.socialSession,
      SocialSessionRequest(
        userID: code.userID, service: code.service, provider: code.provider, clientType: body.clientType ?? .mobile, client: request.client)
    )
  }

  /// The end of a link flow: the provider account joins the signed-in user who started it,
  /// once (the code is single use and expires in 60 s). Provider tokens are not kept for links.
  func completeLink(_ request: SocialLinkCompletion, userID: String, requestID: String?) async throws -> LinkedAccountList {
    guard let link = try await flows.takeLink(request.code), link.userID == userID, link.provider == request.provider,
      let user = UUID(uuidString: userID)
    else {
      throw SocialProblems.invalidLinkCode.problem("The link code is unknown, used, expired or not yours.", field: "link_code")
    }
    try await accounts.link(userID: user, provider: link.provider, profile: link.profile, tokens: nil, requestID: requestID)
    return LinkedAccountList(accounts: try await accounts.links.accounts(userID: user))
  }

  private func configured(_ name: String) throws -> ProviderEntry {
    guard let entry = catalog.entry(name), entry.isConfigured else {
      throw SocialProblems.providerNotFound.problem("No sign-in provider named \(name) is configured.")
    }
    return entry
  }

  private func serviceSettings(_ slug: String) async throws -> SocialServiceSettings {
    let settings = try await rpc.call(TokenRPC.socialServiceSettings, SocialServiceQuery(service: slug))
    guard settings.open else {
      throw ServiceAdminProblems.serviceClosed.problem("The service \(slug) is not open.")
    }
    return settings
  }

  static func invalidGrant(_ detail: String) -> Problem {
    SocialProblems.invalidGrant.problem(detail)
  }

  /// The S256 challenge of a PKCE verifier.
  static func challenge(for verifier: String) -> String {
    Base64URL.encode(SHA256.hash(data: Array(verifier.utf8)))
  }

  /// `base` with the items added to its query (form-encoded).
  static func url(_ base: String, adding items: [(String, String)]) -> String {
    let query = items.map { "\(ProviderClient.formEncode($0.0))=\(ProviderClient.formEncode($0.1))" }.joined(separator: "&")
    return base + (base.contains("?") ? "&" : "?") + query
  }
}

extension ProviderClient.Failure: CustomStringConvertible {}
