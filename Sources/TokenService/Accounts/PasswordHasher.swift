import HummingbirdBcrypt
import NIOPosix
import Shared

/// bcrypt, run on NIO's blocking thread pool: a hash takes a quarter of a second at cost 12, and
/// on the cooperative pool it would stall every other request on that thread meanwhile.
struct PasswordHasher: Sendable {
  let cost: UInt8

  func hash(_ password: String) async throws -> String {
    let cost = self.cost
    return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
  }

  func verify(_ password: String, against hash: String) async throws -> Bool {
    try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
  }

  /// `GATEHOUSE_BCRYPT_COST`, 4 to 31, default 12.
  static func fromSettings(_ settings: Settings) throws(ConfigurationError) -> PasswordHasher {
    PasswordHasher(cost: UInt8(try settings.int("GATEHOUSE_BCRYPT_COST", default: 12, range: 4...31)))
  }
}
