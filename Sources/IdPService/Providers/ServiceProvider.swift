// Providers/: the service providers (SPs) that ask for verifications, and how they prove who they are.
import Crypto
import Foundation
import Shared

/// An SP as the verification rules need it.
struct ServiceProvider: Sendable {
  let id: UUID
  let name: String
  let clientID: String
  let callbackURL: String
  let isActive: Bool
  /// The SERVICE_ADMIN who manages it; nil for SPs the operator (or a SUPER_ADMIN) made.
  let ownerUserID: UUID?
  /// What it may open each month (`PlanLimits`, `.monthlyVerifications`).
  let plan: ServicePlan
}

/// What `admin create-sp` (and the admin API) creates, after its rules.
struct NewServiceProvider: Sendable {
  let name: String
  let callbackURL: String
  let ownerUserID: UUID?
  /// The plain CI in its results (docs/idp.md, "CI"): granted by the operator only.
  let mayReceiveCI: Bool

  init(
    name: String, callbackURL: String, ownerUserID: UUID?, mayReceiveCI: Bool = false, environment: DeploymentEnvironment,
    resolver: HostResolver = .system
  ) async throws(Problem) {
    try Self.check(name: name)
    try await Self.check(callbackURL: callbackURL, environment: environment, resolver: resolver)
    self.name = name
    self.callbackURL = callbackURL
    self.ownerUserID = ownerUserID
    self.mayReceiveCI = mayReceiveCI
  }

  static func check(name: String) throws(Problem) {
    guard (1...200).contains(name.count) else {
      throw RequestProblems.invalidField.problem("A name has 1 to 200 characters.", field: "name")
    }
  }

  /// https to a public address (every address its host resolves to), or, outside production
  /// (`GATEHOUSE_ENV=local` or `test`: an SP on this machine), http or https to a loopback
  /// address written as one or `localhost` (docs/security.md). Checked again at every send.
  static func check(callbackURL: String, environment: DeploymentEnvironment, resolver: HostResolver = .system) async throws(Problem) {
    guard let url = URL(string: callbackURL), url.host != nil, url.fragment == nil else {
      throw RequestProblems.invalidField.problem("callback_url is not an absolute URL without a fragment.", field: "callback_url")
    }
    do {
      _ = try await OutboundAddressPolicy(environment: environment).check(callbackURL, resolver: resolver)
    } catch {
      throw IdPProblems.callbackURLRefused.problem("callback_url is refused: \(error.reason).", field: "callback_url")
    }
  }
}

/// The secrets of a new SP (or a rotated one), shown once.
struct ServiceProviderSecrets: Sendable {
  let id: UUID
  let clientID: String
  let clientSecret: String
  let webhookSecret: String
  let resultKeyID: String
  /// 32 bytes, base64url: the `k` of the SP's A256GCM JWK.
  let resultKey: String
}

extension Problem {
  static let invalidClient = IdPProblems.invalidClient.problem("Unknown client, wrong secret, or an inactive service provider.")
}

/// Checks an SP's client credentials: SHA-256 of the presented secret against the stored one,
/// compared in full.
enum ClientSecret {
  static func hash(_ secret: String) -> [UInt8] { Array(SHA256.hash(data: Array(secret.utf8))) }

  static func matches(_ secret: String, _ stored: [UInt8]) -> Bool {
    ConstantTime.equal(hash(secret), stored)
  }
}
