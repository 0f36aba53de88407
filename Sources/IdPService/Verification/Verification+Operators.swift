import Foundation
import Shared

extension Verification {
  /// An account's profile for the admin console's users pages (docs/admin.md, "Users"): only
  /// those who read every account (SUPER_ADMIN, AUDITOR) see it, and only masked.
  func adminProfile(_ request: UserAdminRequest, actor: AdminActor) async throws -> AdminIdentityView {
    let role = PlatformRole(rawValue: actor.platformRole)
    guard role == .superAdmin || role == .auditor else {
      throw ServiceAdminProblems.forbidden.problem("Accounts across services are a SUPER_ADMIN's or an AUDITOR's to read.")
    }
    guard let userID = UUID(uuidString: request.userID) else {
      return AdminIdentityView(hasProfile: false, maskedPhoneNumber: nil, pinLockedUntil: nil)
    }
    let profile = try await profiles.profile(userID: userID)
    return AdminIdentityView(
      hasProfile: profile != nil, maskedPhoneNumber: profile?.phoneNumber.map(PhoneNumber.masked),
      pinLockedUntil: profile?.pinLockedUntil.flatMap { $0 > Date() ? $0 : nil })
  }
}
