import Foundation

/// Whether a wrong password takes longer for an account that exists than for a name that does
/// not (docs/security.md, "Sign-in lock-out": an oracle for which accounts exist). One attempt
/// at a time, known and unknown names alternating so that drift in the machine's load falls on
/// both alike; four attempts per name, below the lock-out.
struct WrongPasswordTiming {
  let gateway: GatewayClient
  let pairs: Int

  func row() async throws -> BenchRow {
    var known: [Duration] = []
    var unknown: [Duration] = []
    var errors = 0
    var names: (known: String, unknown: String) = ("", "")
    for index in 0..<pairs {
      if index % 4 == 0 {
        names = (try await gateway.registerUser(password: "Bench-password-1"), "nobody\(UInt32.random(in: 0...UInt32.max))")
      }
      for (name, isKnown) in [(names.known, true), (names.unknown, false)] {
        let start = ContinuousClock.now
        let status = try await gateway.login(name, password: "not-the-password-\(index)").status
        let took = ContinuousClock.now - start
        if status != 401 { errors += 1 }
        if isKnown { known.append(took) } else { unknown.append(took) }
      }
    }
    let difference = percentile(known, 0.5) - percentile(unknown, 0.5)
    let absolute = difference < .zero ? .zero - difference : difference
    return BenchRow(
      path: "POST /api/v1/auth/login with a wrong password, an existing account vs a name nobody has, one at a time, \(pairs) of each",
      result: "existing p50 \(ms(percentile(known, 0.5))) ms (p90 \(ms(percentile(known, 0.9)))), "
        + "unknown p50 \(ms(percentile(unknown, 0.5))) ms (p90 \(ms(percentile(unknown, 0.9)))): "
        + "difference of medians \(ms(difference)) ms; \(errors) answers other than 401",
      budget: "|difference| < 2 ms (the audit measured 3.5 ms before the fix)", met: absolute < .milliseconds(2) && errors == 0)
  }
}
