import Foundation

/// Where a service seeding local demo data (`GATEHOUSE_ENV=local`) leaves what a person needs to
/// try it: `$GATEHOUSE_RUN_DIR/demo-credentials-<service>.txt`, which `make run` prints on every
/// start. One file per service, so two processes never write one file at once. Demo values only.
public enum DemoCredentials {
  /// Adds `text` to the service's file; `afresh` (the demo data was just made, on new stores)
  /// replaces what an earlier store's demo left there.
  public static func record(_ text: String, service: ServiceName, afresh: Bool) throws {
    guard !text.isEmpty, let runDirectory = ProcessInfo.processInfo.environment["GATEHOUSE_RUN_DIR"] else { return }
    let file = URL(fileURLWithPath: runDirectory).appendingPathComponent("demo-credentials-\(service.rawValue).txt")
    if !afresh, let handle = try? FileHandle(forWritingTo: file) {
      handle.seekToEndOfFile()
      handle.write(Data(text.utf8))
      try? handle.close()
    } else {
      try Data(text.utf8).write(to: file, options: .atomic)
    }
  }
}
