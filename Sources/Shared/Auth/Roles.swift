// Auth/: the roles and permissions every service reads the same way (docs/admin.md, "Roles").

/// A permission inside one service (22; docs/admin.md, "Roles").
public enum Permission: String, CaseIterable, Codable, Sendable {
  case userCreate = "user.create"
  case userRead = "user.read"
  case userUpdate = "user.update"
  case userDelete = "user.delete"
  case userList = "user.list"
  case serviceCreate = "service.create"
  case serviceRead = "service.read"
  case serviceUpdate = "service.update"
  case serviceDelete = "service.delete"
  case serviceManage = "service.manage"
  case contentCreate = "content.create"
  case contentRead = "content.read"
  case contentUpdate = "content.update"
  case contentDelete = "content.delete"
  case contentPublish = "content.publish"
  case adminPanel = "admin.panel"
  case adminAnalytics = "admin.analytics"
  case adminLogs = "admin.logs"
  case adminSettings = "admin.settings"
  case apiRead = "api.read"
  case apiWrite = "api.write"
  case apiAdmin = "api.admin"
}

/// A member's role in one service. `owner` has every permission; `admin` has the
/// `service_admin` set; the others are the rows of the same name in docs/admin.md.
public enum ServiceRole: String, CaseIterable, Codable, Sendable {
  case owner, admin
  case contentManager = "content_manager"
  case moderator, user, guest

  public var permissions: [Permission] {
    switch self {
    case .owner:
      return Permission.allCases
    case .admin:
      return [
        .userRead, .userList, .serviceRead, .serviceUpdate, .serviceManage, .contentCreate, .contentRead, .contentUpdate,
        .contentDelete, .contentPublish, .adminPanel, .adminAnalytics, .apiRead, .apiWrite,
      ]
    case .contentManager:
      return [.userRead, .serviceRead, .contentCreate, .contentRead, .contentUpdate, .contentDelete, .contentPublish, .apiRead, .apiWrite]
    case .moderator:
      return [.userRead, .serviceRead, .contentRead, .contentUpdate, .apiRead]
    case .user:
      return [.contentRead, .apiRead]
    case .guest:
      return [.contentRead]
    }
  }
}

/// A user's role across the whole deployment (docs/admin.md, "Roles").
public enum PlatformRole: String, CaseIterable, Codable, Sendable {
  /// Everything.
  case superAdmin = "SUPER_ADMIN"
  /// The services (and IdP service providers) it owns.
  case serviceAdmin = "SERVICE_ADMIN"
  /// Reads the audit log.
  case auditor = "AUDITOR"
  case user = "USER"
}
