import Foundation
import Logging
import PostgresNIO

/// One row of `audit.events`, written by the service that made the change, on the connection of
/// the transaction that made it: no audit row without the change, no change without its row.
public struct AuditEvent: Sendable {
  public var action: String
  public var actorUserID: UUID?
  public var serviceID: UUID?
  public var clientID: String?
  public var requestID: String?
  /// The client's address and user agent (AuditClient).
  public var ip: String?
  public var userAgent: String?
  /// JSON object text with what else matters (never a secret).
  public var details: String

  public init(
    action: String, actorUserID: UUID? = nil, serviceID: UUID? = nil, clientID: String? = nil,
    requestID: String? = nil, client: ClientInfo? = nil, details: some Encodable = [String: String]()
  ) throws {
    self.action = action
    self.actorUserID = actorUserID
    self.serviceID = serviceID
    self.clientID = clientID
    self.requestID = requestID
    let audited = AuditClient(client)
    self.ip = audited.ip
    self.userAgent = audited.userAgent
    self.details = String(buffer: try JSON.encode(details))
  }

  public func insert(on connection: PostgresConnection, logger: Logger) async throws {
    _ = try await connection.query(
      """
      INSERT INTO audit.events (action, actor_user_id, service_id, client_id, request_id, ip, user_agent, details)
      VALUES (\(action), \(actorUserID), \(serviceID), \(clientID), \(requestID), \(ip)::inet, \(userAgent), \(details)::jsonb)
      """, logger: logger
    ).collect()
  }
}
