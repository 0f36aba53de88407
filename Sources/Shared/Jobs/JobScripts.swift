/// Lua scripts that move a job between stream, delayed set and dead letters atomically, so a
/// crash between steps can neither lose nor duplicate it. Times come from the server clock.
enum JobScripts {
  /// KEYS: stream, delayed. ARGV: group, entry id, delay ms, job JSON (with the next attempt).
  static let retryLater = RedisScript(
    """
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[4])
    redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
    redis.call('XDEL', KEYS[1], ARGV[2])
    return 1
    """)

  /// KEYS: stream, dead. ARGV: group, entry id, job JSON, last error, max length.
  static let deadLetter = RedisScript(
    """
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'job', ARGV[3], 'error', ARGV[4])
    redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
    redis.call('XDEL', KEYS[1], ARGV[2])
    return 1
    """)

  /// KEYS: delayed, stream. ARGV: batch size, max length. Moves jobs that are due.
  static let moveDue = RedisScript(
    """
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
    for _, job in ipairs(due) do
      redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'job', job)
      redis.call('ZREM', KEYS[1], job)
    end
    return #due
    """)
}
