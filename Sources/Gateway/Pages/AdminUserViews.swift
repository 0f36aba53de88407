import Foundation
import Shared

/// What the admin console's users pages show (AdminUsersController).
enum AdminUserViews {
  /// One page of accounts, the search as typed, and the link to the next page.
  static func list(_ result: UserSearchResult, search: UserSearch) -> [String: Any] {
    var values: [String: Any] = [
      "users": result.users.map(summary), "hasUsers": !result.users.isEmpty, "q": search.query ?? "",
    ]
    if let cursor = result.nextCursor {
      values["next"] = "/admin/users?" + URLQuery.encode((search.query.map { [("q", $0)] } ?? []) + [("cursor", cursor)])
    }
    return values
  }

  /// One account, its services, and (for a SUPER_ADMIN) what may be done to it.
  static func user(_ view: AdminUserView, identity: AdminIdentityView?, canChange: Bool) -> [String: Any] {
    var values: [String: Any] = [
      "identityUnavailable": identity == nil, "hasIdentity": identity?.hasProfile == true,
      "phone": identity?.maskedPhoneNumber ?? "—",
    ]
    if let until = identity?.pinLockedUntil { values["pinLockedUntil"] = AccountOverview.time(until) }
    return values.merging(userValues(view, canChange: canChange)) { _, new in new }
  }

  private static func userValues(_ view: AdminUserView, canChange: Bool) -> [String: Any] {
    [
      "user": summary(view.user), "openSessions": view.openSessions, "hasOpenSessions": view.openSessions > 0, "canChange": canChange,
      "memberships": view.memberships.map { ["service": $0.service, "name": $0.serviceName, "role": $0.role, "status": $0.status] },
      "hasMemberships": !view.memberships.isEmpty,
      "auditLink": "/admin/audit?" + URLQuery.encode([("user_id", view.user.id)]),
    ]
  }

  static func summary(_ user: AdminUserSummary) -> [String: Any] {
    var values: [String: Any] = [
      "id": user.id, "username": user.username, "name": user.maskedName.isEmpty ? "—" : user.maskedName, "email": user.maskedEmail,
      "emailVerified": user.emailVerified, "role": user.platformRole, "active": user.active, "mfaEnabled": user.mfaEnabled,
      "created": AccountOverview.time(user.createdAt), "lastLogin": user.lastLoginAt.map(AccountOverview.time) ?? "—",
    ]
    if let until = user.signInLockedUntil { values["lockedUntil"] = AccountOverview.time(until) }
    return values
  }
}
