import Crypto
import Foundation
import NIOCore

/// A Lua script run by EVALSHA, falling back to EVAL when the server does not know it yet
/// (after a restart or SCRIPT FLUSH); EVAL also caches it for the next EVALSHA.
public struct RedisScript: Sendable {
  public let source: String
  public let sha1: String

  public init(_ source: String) {
    self.source = source
    self.sha1 = Hex.encode(Insecure.SHA1.hash(data: Array(source.utf8)))
  }

  public func run(on redis: RedisClient, keys: [String], arguments: [RedisArgument]) async throws -> RESPValue {
    let tail: [RedisArgument] = [.int(keys.count)] + keys.map { .string($0) } + arguments
    do {
      return try await redis.send(RedisCommand(["EVALSHA", .string(sha1)] + tail))
    } catch RedisError.server(let message) where message.hasPrefix("NOSCRIPT") {
      return try await redis.send(RedisCommand(["EVAL", .string(source)] + tail))
    }
  }
}
