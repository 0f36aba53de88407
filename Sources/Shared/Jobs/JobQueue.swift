import Foundation
import NIOCore

/// A named job stream with its delayed set and dead-letter stream. Hash tags keep the three in
/// one Redis Cluster slot, so the Lua scripts that move jobs between them are legal there.
public struct JobQueue: Sendable, Hashable {
  public let name: String
  public init(_ name: String) { self.name = name }

  public var streamKey: String { "gh:jobs:{\(name)}" }
  public var delayedKey: String { "gh:delayed:{\(name)}" }
  public var deadKey: String { "gh:dead:{\(name)}" }
  static let group = "workers"
  /// Streams are trimmed (approximately) to this length; acked entries are deleted anyway.
  static let maxLength = 100_000

  /// Adds a job. `id` is the job's identity across retries (an outbox row id, for example).
  @discardableResult
  public func enqueue(_ payload: some Encodable, id: String = SecureRandom.uuid().uuidString.lowercased(), on redis: RedisClient)
    async throws -> Job
  {
    let job = Job(id: id, queue: name, attempt: 1, payload: String(buffer: try JSON.encode(payload)), enqueuedAtMs: unixMilliseconds())
    try await enqueue(job, on: redis)
    return job
  }

  func enqueue(_ job: Job, on redis: RedisClient) async throws {
    try await redis.send(
      RedisCommand(
        "XADD", .string(streamKey), "MAXLEN", "~", .int(Self.maxLength), "*", "job", .bytes(try JSON.encode(job))))
  }
}

/// One unit of work as stored in the stream.
public struct Job: Codable, Sendable, Equatable {
  public var id: String
  public var queue: String
  /// 1 on the first run; a retry carries the next number.
  public var attempt: Int
  /// The payload as JSON text; `decode` reads it.
  public var payload: String
  public var enqueuedAtMs: Int64

  public func decode<T: Decodable>(_ type: T.Type) throws -> T {
    try JSON.decode(type, from: ByteBuffer(string: payload))
  }

  enum CodingKeys: String, CodingKey {
    case id, queue, attempt, payload
    case enqueuedAtMs = "enqueued_at_ms"
  }
}
