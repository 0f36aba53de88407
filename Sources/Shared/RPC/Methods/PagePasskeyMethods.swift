import Foundation

/// Passkeys on the hosted pages (docs/passkeys.md, "On the pages"): the page's script asks for
/// options, the browser's authenticator answers, and the answer continues the pending
/// authorization as a sign-in or as its second step.
extension TokenRPC {
  /// `POST /signin/passkey/options` and `POST /signin/second-factor/passkey/options`.
  public static let pagePasskeyOptions = RPCMethod<PagePasskeyOptions, PasskeyRequestOptions>(
    service: .token, name: "oidc_passkey_options")
  /// `POST /signin/passkey`: the sign-in page's passkey.
  public static let pagePasskeySignIn = RPCMethod<PagePasskeySignIn, AuthorizationStep>(service: .token, name: "oidc_passkey_sign_in")
}

/// Options for the passkey ceremony of a pending authorization: a sign-in, or its second step.
public struct PagePasskeyOptions: Codable, Sendable {
  public var request: String
  public var secondFactor: Bool
  public var browser: BrowserInfo

  public init(request: String, secondFactor: Bool, browser: BrowserInfo) {
    self.request = request
    self.secondFactor = secondFactor
    self.browser = browser
  }
}

/// The sign-in page's passkey answer.
public struct PagePasskeySignIn: Codable, Sendable {
  public var request: String
  public var passkey: PasskeyAssertionBody
  public var browser: BrowserInfo

  public init(request: String, passkey: PasskeyAssertionBody, browser: BrowserInfo) {
    self.request = request
    self.passkey = passkey
    self.browser = browser
  }
}
