import Crypto
import Foundation
import Shared

/// How password guesses are limited (docs/security.md). Failures are counted per identifier and client
/// address: five within 30 minutes lock that address out of that identifier for 30 minutes, so
/// a guesser locks out only itself, never the account's owner elsewhere. Across addresses, more
/// than ten failures within 30 minutes slow every attempt at the identifier down (a growing
/// pause before the comparison, at most 2 s) instead of locking it, so nobody can keep an
/// account locked from outside.
///
/// An attempt is claimed before its password is compared: at most five claims or failures per
/// address and identifier at once, so a burst compares no more passwords than the lock-out
/// allows. The lock-out counts the identifier as typed (a username or an e-mail), so its answers
/// never tell whether a name and an address belong to one account; the slowdown counts the
/// account when it exists and the identifier typed when it does not. Unknown and existing
/// accounts go through the same claims, writes and answers.
struct SignInThrottle: Sendable {
  static let lockOut = FailureLockOut(
    limit: 5, windowMinutes: 30, lockMinutes: 30,
    failures: "failures", firstFailedAt: "first_failed_at", lockedUntil: "locked_until")
  /// Account-wide failures (any address, 30 minutes) after which attempts are slowed.
  static let slowdownAfter = 10
  static let slowdownStep = Duration.milliseconds(200)
  static let slowdownLimit = Duration.seconds(2)
  /// A claim not settled within this long no longer counts (its process died mid-attempt).
  static let claimLifetimeSeconds = 30

  /// Who is guessing what.
  struct Subject: Sendable {
    /// The account, when the identifier names one.
    let userID: UUID?
    /// `name:<key>` or `email:<lowercased>` as typed at sign-in; `user:<id>` for a signed-in
    /// user proving it is them again.
    let typed: String
    /// The client address as limited: an IPv4 address, or an IPv6 address's /64 (one
    /// household or host holds a whole /64).
    let address: String

    /// `typed` nil: the signed-in `userID` re-entering its password.
    init(userID: UUID?, typed: String?, client: ClientInfo) {
      self.userID = userID
      self.typed = typed ?? "user:\(userID?.uuidString.lowercased() ?? "")"
      self.address = Self.limitedAddress(client.ip)
    }

    /// The account, or the identifier typed when there is none.
    var account: String { userID.map { "user:\($0.uuidString.lowercased())" } ?? typed }
    /// The row counting this address's attempts at this identifier (the lock-out).
    var pairKey: [UInt8] { Self.key("pair", typed, address) }
    /// The row counting every address's failures at this account (the slowdown).
    var identifierKey: [UInt8] { Self.key("identifier", account) }

    static func key(_ parts: String...) -> [UInt8] {
      Array(SHA256.hash(data: Array(parts.joined(separator: "\u{0}").utf8)))
    }

    static func limitedAddress(_ ip: String?) -> String {
      guard let ip else { return "unknown" }
      guard let bytes = IPAddress(literal: ip)?.bytes else { return ip }
      if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
      return bytes[0..<8].map { String(format: "%02x", $0) }.joined() + "::/64"
    }
  }

  /// The pause before comparing, for this many account-wide failures.
  static func slowdown(afterFailures failures: Int) -> Duration {
    guard failures > slowdownAfter else { return .zero }
    return min(slowdownStep * (failures - slowdownAfter), slowdownLimit)
  }

  static func locked(until: Date?) -> Problem {
    let when = until.map { "after \($0.formatted(.iso8601))" } ?? "in a minute"
    return SignInProblems.accountLocked.problem("Too many failed sign-ins from this address. Try again \(when).")
  }
}
