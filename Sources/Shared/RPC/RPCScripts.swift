/// The Lua scripts behind RPC liveness. Both read the server clock (TIME), so callers and
/// consumers on different hosts agree on who is alive.
enum RPCScripts {
  /// KEYS: queue, alive set. ARGV: envelope. Pushes only when some consumer's heartbeat is
  /// current; answers 0 otherwise, which the caller turns into 503 at once.
  static let pushIfAlive = RedisScript(
    """
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    if redis.call('ZCOUNT', KEYS[2], now, '+inf') == 0 then return 0 end
    redis.call('LPUSH', KEYS[1], ARGV[1])
    return 1
    """)

  /// KEYS: alive set. ARGV: instance id, time to live in ms. Scores are expiry times.
  static let heartbeat = RedisScript(
    """
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000)
    redis.call('PEXPIRE', KEYS[1], 120000)
    return 1
    """)
}
