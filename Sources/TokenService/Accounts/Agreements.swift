import Foundation
import Shared

/// The agreements' rules (docs/accounts.md, "Agreements"): the current version of each kind
/// (`GATEHOUSE_TERMS_VERSION`, `GATEHOUSE_PRIVACY_VERSION`, `GATEHOUSE_MARKETING_VERSION`, each
/// `1` unless set), recorded at registration for the terms and the privacy policy; marketing may
/// be allowed and withdrawn at will, the terms and the privacy policy only accepted (leaving them
/// is deleting the account).
struct Agreements: Sendable {
  let store: AgreementStore
  let versions: [String: String]

  static let kinds = ["terms", "privacy", "marketing"]

  static func load(_ settings: Settings = .fromEnvironment()) -> [String: String] {
    Dictionary(uniqueKeysWithValues: kinds.map { ($0, settings.string("GATEHOUSE_\($0.uppercased())_VERSION", default: "1")) })
  }

  func list(caller: SignedInCaller) async throws -> AgreementList {
    let userID = try Self.user(caller)
    let rows = try await store.list(userID: userID)
    return AgreementList(
      agreements: rows.map {
        AgreementView(
          kind: $0.kind, version: $0.version, acceptedAt: $0.accepted, withdrawnAt: $0.withdrawn, current: versions[$0.kind] == $0.version)
      },
      currentVersions: versions)
  }

  func change(_ request: AgreementChange, caller: SignedInCaller, requestID: String?) async throws -> AgreementList {
    let userID = try Self.user(caller)
    guard let version = versions[request.kind] else {
      throw RequestProblems.invalidField.problem("An agreement is terms, privacy or marketing.", field: "kind")
    }
    guard request.accepted || request.kind == "marketing" else {
      throw RequestProblems.invalidField.problem(
        "The terms and the privacy policy are withdrawn by deleting the account.", field: "accepted")
    }
    _ = try await store.change(
      userID: userID, kind: request.kind, version: version, accepted: request.accepted, client: request.client, requestID: requestID)
    return try await list(caller: caller)
  }

  private static func user(_ caller: SignedInCaller) throws(Problem) -> UUID {
    guard let id = UUID(uuidString: caller.userID) else { throw AccountProblems.accountNotFound.problem("No such account.") }
    return id
  }
}
