import Foundation

/// Local mode's SMS "gateway" (GATEHOUSE_ENV=local without an SMS API): each message is a file
/// `<to>-<unix ms>.txt` in `$GATEHOUSE_RUN_DIR/sms/` (`.run/sms/` under `make run`, which says so
/// in its banner), so a person trying Gatehouse reads the code there. Never used in production.
struct SMSFileSink: SMSSender {
  let directory: URL

  func send(_ message: SMSMessage) async throws {
    let now = Int64(Date().timeIntervalSince1970 * 1000)
    let file = directory.appendingPathComponent("\(message.to)-\(now).txt")
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      try Data("to: \(message.to)\n\n\(message.text)\n".utf8).write(to: file, options: .atomic)
    } catch {
      throw SMSSendFailure(reason: "could not write \(file.lastPathComponent) in \(directory.path)")
    }
  }
}
