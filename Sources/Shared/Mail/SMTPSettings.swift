import Configuration
import Foundation

/// Where outbound mail goes and how Gatehouse proves itself there (README has the table).
public struct SMTPSettings: Sendable {
  /// How the connection is protected. Both TLS modes verify the server's certificate and name.
  public enum Security: String, Sendable {
    /// Plain connection upgraded with STARTTLS, which the server must offer (port 587).
    case starttls
    /// TLS from the first byte (port 465).
    case tls
    /// No TLS at all: only for a relay on the same host or a test sink.
    case none

    var defaultPort: Int {
      switch self {
      case .starttls: 587
      case .tls: 465
      case .none: 25
      }
    }
  }

  public var host: String
  public var port: Int
  public var security: Security
  public var username: String?
  /// Never logged, never in an error: it goes only into AUTH PLAIN, and only over TLS or loopback.
  public var password: String?
  /// The envelope sender and the From header: `Gatehouse <no-reply@example.com>` or a bare address.
  public var from: String
  /// A PEM file of CA certificates trusted in addition to the system's (a private CA, a test CA).
  public var trustRoots: String?
  /// For the whole of one message: connecting, TLS and the conversation.
  public var timeout: Duration

  public init(
    host: String, port: Int? = nil, security: Security = .starttls, username: String? = nil, password: String? = nil,
    from: String, trustRoots: String? = nil, timeout: Duration = .seconds(10)
  ) {
    self.host = host
    self.port = port ?? security.defaultPort
    self.security = security
    self.username = username
    self.password = password
    self.from = from
    self.trustRoots = trustRoots
    self.timeout = timeout
  }

  /// True when `host` names this machine: the only place credentials may go without TLS.
  var hostIsLoopback: Bool {
    let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
    return name == "localhost" || name.hasSuffix(".localhost") || name == "::1" || name.hasPrefix("127.")
  }

  /// The settings of `GATEHOUSE_SMTP_*`, or nil when `GATEHOUSE_SMTP_HOST` is not set (no mail).
  /// A malformed or inconsistent value is an error naming its variable; the password is never in one.
  public static func load(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> SMTPSettings?
  {
    let settings = Settings(reader: ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: environment)))
    guard let host = settings.string("GATEHOUSE_SMTP_HOST")?.trimmingCharacters(in: .whitespaces), !host.isEmpty else { return nil }
    guard !host.contains(where: { $0.isWhitespace || $0 == "/" }) else {
      throw ConfigurationError(name: "GATEHOUSE_SMTP_HOST", problem: "expected a host name or IP address, got '\(host)'")
    }
    let security = try settings.choice("GATEHOUSE_SMTP_SECURITY", default: Security.starttls)
    guard let from = settings.string("GATEHOUSE_SMTP_FROM") else {
      throw ConfigurationError(name: "GATEHOUSE_SMTP_FROM", problem: "required when GATEHOUSE_SMTP_HOST is set")
    }
    guard MailAddress(parsing: from) != nil else {
      throw ConfigurationError(name: "GATEHOUSE_SMTP_FROM", problem: "expected an address or Name <address>, got '\(from)'")
    }
    var loaded = SMTPSettings(
      host: host, port: try settings.int("GATEHOUSE_SMTP_PORT", range: 1...65_535), security: security,
      username: settings.string("GATEHOUSE_SMTP_USERNAME"), password: try settings.secret("GATEHOUSE_SMTP_PASSWORD"), from: from,
      timeout: .milliseconds(try settings.int("GATEHOUSE_SMTP_TIMEOUT_MS", default: 10_000, range: 100...600_000)))
    if let file = settings.string("GATEHOUSE_SMTP_CA_FILE") {
      guard FileManager.default.isReadableFile(atPath: file) else {
        throw ConfigurationError(name: "GATEHOUSE_SMTP_CA_FILE", problem: "cannot read '\(file)'")
      }
      loaded.trustRoots = file
    }
    try loaded.checkCredentials()
    return loaded
  }

  /// Both or neither of user and password; none over plain text to another host.
  private func checkCredentials() throws(ConfigurationError) {
    if username != nil, password == nil {
      throw ConfigurationError(name: "GATEHOUSE_SMTP_PASSWORD", problem: "required when GATEHOUSE_SMTP_USERNAME is set")
    }
    if password != nil, username == nil {
      throw ConfigurationError(name: "GATEHOUSE_SMTP_USERNAME", problem: "required when GATEHOUSE_SMTP_PASSWORD is set")
    }
    if username != nil, security == .none, !hostIsLoopback {
      throw ConfigurationError(
        name: "GATEHOUSE_SMTP_SECURITY", problem: "none would send the password in plain text to \(host); use starttls or tls")
    }
  }
}
