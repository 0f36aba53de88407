import Foundation

/// The codes idp-service's local-mode SMS sink writes (`$GATEHOUSE_RUN_DIR/sms/<number>-<ms>.txt`;
/// `scripts/bench.sh` runs the stack with GATEHOUSE_ENV=local and no SMS API), read back so the
/// benchmark's people can prove their numbers as a person would from their phone.
enum LocalSMSCodes {
  static func code(to number: String, timeout: Duration = .seconds(20)) async throws -> String {
    guard let runDirectory = ProcessInfo.processInfo.environment["GATEHOUSE_RUN_DIR"] else {
      throw BenchError("GATEHOUSE_RUN_DIR is not set: the SMS codes of local mode are files under it")
    }
    let directory = URL(fileURLWithPath: runDirectory).appendingPathComponent("sms")
    let end = ContinuousClock.now + timeout
    while ContinuousClock.now < end {
      let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
      if let name = names.filter({ $0.hasPrefix(number + "-") }).max(),
        let text = try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8),
        let code = text.split(whereSeparator: { !$0.isASCII || !$0.isNumber }).first(where: { $0.count == 6 })
      {
        return String(code)
      }
      try await Task.sleep(for: .milliseconds(50))
    }
    throw BenchError("no SMS code for \(number) in \(directory.path) within \(timeout)")
  }
}
