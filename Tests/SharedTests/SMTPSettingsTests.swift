import Foundation
import Testing

@testable import Shared

/// `GATEHOUSE_SMTP_*`: defaults, and malformed or unsafe values refused with the variable's name.
@Suite struct SMTPSettingsTests {
  static let minimal = ["GATEHOUSE_SMTP_HOST": "smtp.example.com", "GATEHOUSE_SMTP_FROM": "Gatehouse <no-reply@example.com>"]

  @Test func noHostMeansNoMail() throws {
    #expect(try SMTPSettings.load([:]) == nil)
    #expect(try SMTPSettings.load(["GATEHOUSE_SMTP_FROM": "a@example.com"]) == nil)
  }

  @Test func defaultsAreSTARTTLSOn587WithTenSeconds() throws {
    let settings = try #require(try SMTPSettings.load(Self.minimal))
    #expect(settings.security == .starttls && settings.port == 587 && settings.timeout == .seconds(10))
    #expect(settings.username == nil && settings.trustRoots == nil)
  }

  @Test(arguments: [("tls", 465), ("none", 25), ("STARTTLS", 587)])
  func thePortDefaultsToTheSecurityMode(security: String, port: Int) throws {
    let settings = try #require(try SMTPSettings.load(Self.minimal.merging(["GATEHOUSE_SMTP_SECURITY": security]) { $1 }))
    #expect(settings.port == port)
  }

  @Test func everyVariableIsRead() throws {
    let ca = FileManager.default.temporaryDirectory.appendingPathComponent("gh-ca-\(UUID().uuidString).pem")
    try "not checked here\n".write(to: ca, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: ca) }
    let settings = try #require(
      try SMTPSettings.load(
        Self.minimal.merging([
          "GATEHOUSE_SMTP_PORT": "2525", "GATEHOUSE_SMTP_SECURITY": "tls", "GATEHOUSE_SMTP_USERNAME": "mailer",
          "GATEHOUSE_SMTP_PASSWORD": "s3cret", "GATEHOUSE_SMTP_CA_FILE": ca.path, "GATEHOUSE_SMTP_TIMEOUT_MS": "2500",
        ]) { $1 }))
    #expect(settings.port == 2525 && settings.security == .tls && settings.timeout == .milliseconds(2500))
    #expect(settings.username == "mailer" && settings.password == "s3cret" && settings.trustRoots == ca.path)
  }

  @Test(arguments: [
    (["GATEHOUSE_SMTP_FROM": ""], "GATEHOUSE_SMTP_FROM"),
    (["GATEHOUSE_SMTP_FROM": "not an address"], "GATEHOUSE_SMTP_FROM"),
    (["GATEHOUSE_SMTP_PORT": "abc"], "GATEHOUSE_SMTP_PORT"),
    (["GATEHOUSE_SMTP_PORT": "70000"], "GATEHOUSE_SMTP_PORT"),
    (["GATEHOUSE_SMTP_SECURITY": "ssl"], "GATEHOUSE_SMTP_SECURITY"),
    (["GATEHOUSE_SMTP_TIMEOUT_MS": "0"], "GATEHOUSE_SMTP_TIMEOUT_MS"),
    (["GATEHOUSE_SMTP_CA_FILE": "/nonexistent/ca.pem"], "GATEHOUSE_SMTP_CA_FILE"),
    (["GATEHOUSE_SMTP_USERNAME": "mailer"], "GATEHOUSE_SMTP_PASSWORD"),
    (["GATEHOUSE_SMTP_PASSWORD": "hunter2-secret"], "GATEHOUSE_SMTP_USERNAME"),
    (
      ["GATEHOUSE_SMTP_SECURITY": "none", "GATEHOUSE_SMTP_USERNAME": "u", "GATEHOUSE_SMTP_PASSWORD": "hunter2-secret"],
      "GATEHOUSE_SMTP_SECURITY"
    ),
  ])
  func aBadValueIsAnErrorNamingItsVariable(change: [String: String], name: String) {
    do {
      _ = try SMTPSettings.load(Self.minimal.merging(change) { $1 })
      Issue.record("\(change) was accepted")
    } catch {
      #expect(error.name == name)
      #expect(!error.description.contains("hunter2-secret"))
    }
  }

  @Test func credentialsWithoutTLSAreAllowedOnlyToThisMachine() throws {
    let local = [
      "GATEHOUSE_SMTP_HOST": "127.0.0.1", "GATEHOUSE_SMTP_SECURITY": "none", "GATEHOUSE_SMTP_USERNAME": "u", "GATEHOUSE_SMTP_PASSWORD": "p",
    ]
    #expect(try SMTPSettings.load(Self.minimal.merging(local) { $1 })?.hostIsLoopback == true)
  }
}
