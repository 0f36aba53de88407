import Foundation
import Shared

/// What a member holds in a service, as their access tokens say it (docs/oidc.md, "A service's
/// own scopes"): their role, the catalogue's scopes granted to them besides the defaults, and
/// permissions of their own besides the role's.
struct MemberGrant: Sendable, Equatable {
  var role: String
  var scopes: [String] = []
  var permissions: [String] = []

  /// The service's scopes the member holds: every default one, and those granted that the
  /// catalogue still has.
  func heldScopes(of service: ServiceRecord) -> [String] {
    let granted = Set(scopes)
    return service.scopes.filter { service.defaultScopes.contains($0) || granted.contains($0) }
  }

  /// The access token's `scope`. Nil (the JSON API's sign-ins and refreshes): the standard ones
  /// and every service scope held. An authorization's grant: its standard scopes, the service
  /// scopes it asked for that the member holds, and the required ones.
  func tokenScope(_ granted: String?, service: ServiceRecord) -> String {
    let held = heldScopes(of: service)
    guard let granted else { return ([TokenIssuer.userScope] + held).joined(separator: " ") }
    let asked = granted.split(separator: " ").map(String.init)
    let kept = asked.filter { AuthorizationRequestRules.standardScopes.contains($0) || held.contains($0) }
    return (kept + service.requiredScopes.filter { !kept.contains($0) }).joined(separator: " ")
  }

  /// The token's `permissions`: the role's, then the member's own.
  var allPermissions: [String] {
    let fromRole = ServiceRole(rawValue: role)?.permissions.map(\.rawValue) ?? []
    return fromRole + permissions.filter { !fromRole.contains($0) }
  }
}
