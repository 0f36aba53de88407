import Foundation

/// scripts/smtp_sink.py, a real SMTP server (aiosmtpd, also `make run`'s local mail sink), with its
/// own folder under the test run's directory: what it received is read back from its files.
/// `stop()` and `start()` take it down and bring it back on the same port (an SMTP outage).
final class SMTPSink: @unchecked Sendable {
  // @unchecked: `process` is only replaced by the test that owns this value, never concurrently.
  private(set) var port: Int
  let directory: URL
  private let arguments: [String]
  private var process: Process?

  /// One message as the sink kept it: the raw bytes, the envelope, and what Python's standard
  /// e-mail parser read from them (an implementation that is not ours).
  struct Received: Sendable, Decodable {
    struct Part: Sendable, Decodable {
      let contentType: String
      let text: String
    }

    let mailFrom: String
    let rcptTos: [String]
    let subject: String
    let from: String
    let to: String
    let date: String
    let messageId: String
    let contentType: String
    let parts: [Part]
    let defects: [String]
    var raw: String = ""

    enum CodingKeys: String, CodingKey {
      case mailFrom, rcptTos, subject, from, to, date, messageId, contentType, parts, defects
    }
  }

  /// Starts the sink with `arguments` (`--tls-cert`, `--auth`…) on a port the kernel picks and
  /// waits for its `ready <port>` line.
  init(_ arguments: [String] = []) async throws {
    directory = TestEnvironment.runDirectory.appendingPathComponent("smtp-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    self.arguments = arguments
    port = 0
    try await start()
  }

  /// (Re)starts the server, on the port it had if it ran before.
  func start() async throws {
    let run = UUID().uuidString.prefix(8)
    let output = directory.appendingPathComponent("sink-\(run).out")
    let errors = directory.appendingPathComponent("sink-\(run).err")
    for file in [output, errors] { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("scripts/smtp_sink.py").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments =
      ["python3", script, "--port", String(port), "--dir", directory.appendingPathComponent("mail").path, "--exit-with-parent"] + arguments
    // Files, never the test runner's own pipes: a server left holding them keeps the run open.
    process.standardOutput = try FileHandle(forWritingTo: output)
    process.standardError = try FileHandle(forWritingTo: errors)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    self.process = process
    var bound: Int?
    _ = try await eventually(timeout: .seconds(20)) {
      let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
      bound = text.split(separator: "\n").first { $0.hasPrefix("ready ") }.flatMap { Int($0.dropFirst(6)) }
      return bound != nil || !process.isRunning
    }
    guard let bound else {
      kill(process.processIdentifier, SIGKILL)
      throw TestFailure("smtp_sink.py did not start: \((try? String(contentsOf: errors, encoding: .utf8)) ?? "")")
    }
    port = bound
  }

  /// Every message received so far, oldest first.
  func received() throws -> [Received] {
    let folder = directory.appendingPathComponent("mail")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
    // By when they were written: the sink numbers its files from 1 again when it restarts.
    func written(_ stem: String) -> Date {
      let path = folder.appendingPathComponent("\(stem).json").path
      return (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date ?? .distantPast
    }
    let stems = names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted { written($0) < written($1) }
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try stems.map { stem in
      var mail = try decoder.decode(Received.self, from: Data(contentsOf: folder.appendingPathComponent("\(stem).json")))
      mail.raw = String(decoding: try Data(contentsOf: folder.appendingPathComponent("\(stem).eml")), as: UTF8.self)
      return mail
    }
  }

  /// SIGKILL: a test process may start children with SIGTERM blocked, which Python then never sees.
  func stop() {
    guard let process, process.isRunning else { return }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
  }

  deinit { stop() }
}

/// A CA and a server certificate for `localhost` and 127.0.0.1 signed by it, made with the
/// openssl CLI in `directory`: the sink serves the certificate, the client trusts the CA file.
struct TestCertificates: Sendable {
  let caFile: String
  let certificateFile: String
  let keyFile: String

  init(in directory: URL) throws {
    let path = { (name: String) in directory.appendingPathComponent(name).path }
    try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(toFile: path("san.cnf"), atomically: true, encoding: .utf8)
    let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    try Self.openssl(
      ["req", "-x509"] + curve + ["-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "2", "-subj", "/CN=Gatehouse Test CA"])
    try Self.openssl(["req"] + curve + ["-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=localhost"])
    try Self.openssl([
      "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"), "-CAcreateserial",
      "-out", path("server.pem"), "-days", "2", "-extfile", path("san.cnf"),
    ])
    caFile = path("ca.pem")
    certificateFile = path("server.pem")
    keyFile = path("server.key")
  }

  private static func openssl(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["openssl"] + arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw TestFailure("openssl \(arguments.first ?? "") failed") }
  }

  /// What the sink needs to serve TLS with this certificate.
  var sinkArguments: [String] { ["--tls-cert", certificateFile, "--tls-key", keyFile] }
}
