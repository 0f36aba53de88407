import Foundation

/// Where a service seeding local demo data (`GATEHOUSE_ENV=local`) leaves what a person needs to
/// try it: `$GATEHOUSE_RUN_DIR/demo-credentials-<service>.txt`, which `make run` prints. One file
/// per service, so two processes never append to one file at once. Demo values only.
public enum DemoCredentials {
  public static func append(_ text: String, service: ServiceName) throws {
    guard !text.isEmpty, let runDirectory = ProcessInfo.processInfo.environment["GATEHOUSE_RUN_DIR"] else { return }
    let file = URL(fileURLWithPath: runDirectory).appendingPathComponent("demo-credentials-\(service.rawValue).txt")
    if let handle = try? FileHandle(forWritingTo: file) {
      handle.seekToEndOfFile()
      handle.write(Data(text.utf8))
      try? handle.close()
    } else {
      try Data(text.utf8).write(to: file)
    }
  }
}
