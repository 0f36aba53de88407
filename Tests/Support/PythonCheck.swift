import Foundation

/// Runs a script of Tests/python with the machine's python3 (its packages come from
/// Tests/python/requirements.txt, installed by `make test`).
enum PythonCheck {
  static func run(_ script: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("python")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", directory.appendingPathComponent(script).path] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
  }

  /// A browser script (`SCRIPT SETTINGS_JSON SCREENSHOT_DIR`): `settings` written to a file of the
  /// test run for it, its screenshots under the run's `screenshots/<folder>`.
  static func browser(_ script: String, settings: [String: Any], screenshots folder: String) throws -> (status: Int32, output: String) {
    let file = TestEnvironment.runDirectory.appendingPathComponent("\(folder)-\(UUID().uuidString).json")
    try JSONSerialization.data(withJSONObject: settings).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }
    return try run(script, [file.path, TestEnvironment.runDirectory.appendingPathComponent("screenshots/\(folder)").path])
  }
}
