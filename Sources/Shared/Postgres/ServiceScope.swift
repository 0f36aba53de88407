import Foundation
import Logging
import PostgresNIO

extension PostgresConnection {
  /// Names the service whose rows the rest of this SQL transaction may see and write (the
  /// row-level security of tenant tables reads `app.service_id`).
  public func scope(toService id: UUID, logger: Logger) async throws {
    _ = try await query("SELECT set_config('app.service_id', \(id.uuidString.lowercased()), true)", logger: logger).collect()
  }
}
