import AsyncHTTPClient
import Configuration
import Foundation
import NIOCore
import Testing

@testable import Shared
@testable import TestSupport

/// The outbound address policy (Shared/Net) on its own: which addresses and URLs pass, and that a
/// request goes to the address that was checked. Before this filter (docs/security.md) there was none: a
/// callback URL was refused only for not being https, loopback was recognised by
/// `hasPrefix("127.")`, and every one of the refusals below would have been sent.
@Suite(.timeLimit(.minutes(2))) struct SSRFTests {
  static let production = OutboundAddressPolicy(allowsLoopback: false)
  static let local = OutboundAddressPolicy(allowsLoopback: true)

  /// A resolver for names the test decides, and no network.
  static func resolver(_ answers: [String: [String]]) -> HostResolver {
    HostResolver { host in
      guard let texts = answers[host] else { throw HostResolver.Failure() }
      return texts.compactMap(IPAddress.init(literal:))
    }
  }

  func verdict(_ text: String) throws -> OutboundAddressPolicy.Verdict {
    OutboundAddressPolicy.classify(try #require(IPAddress(literal: text), "\(text) does not parse"))
  }

  @Test(arguments: [
    "127.0.0.1", "127.255.255.254", "::1", "::ffff:127.0.0.1", "::ffff:7f00:1",
  ])
  func loopbackAddressesAreLoopback(_ text: String) throws {
    #expect(try verdict(text) == .loopback)
  }

  @Test(arguments: [
    "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
    "169.254.0.1",
    "100.64.0.1", "100.127.255.255", "100.100.100.200", "0.0.0.0", "0.1.2.3", "224.0.0.1",
    "239.255.255.250",
    "255.255.255.255", "240.0.0.1", "192.0.0.192", "192.0.2.10", "198.18.0.1", "198.51.100.7",
    "203.0.113.9",
    "168.63.129.16", "192.88.99.1",
    "::", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:a9fe:a9fe", "::ffff:100.64.0.1",
    "::ffff:0.0.0.0",
    "::10.0.0.1", "::127.0.0.1", "::8.8.8.8", "64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1",
    "64:ff9b:1::1", "2002:7f00:1::1",
    "2002:a9fe:a9fe::1", "fc00::1", "fd00:ec2::254", "fe80::1", "febf::1", "fec0::1", "ff02::1",
    "ff05::1:3", "2001:db8::1",
    "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "3fff::1", "100::1", "1::1", "4000::1",
  ])
  func nonGlobalAddressesAreRefused(_ text: String) throws {
    guard case .refused = try verdict(text) else {
      Issue.record("\(text) was not refused")
      return
    }
  }

  @Test(arguments: [
    "8.8.8.8", "1.1.1.1", "93.184.216.34", "100.63.255.255", "100.128.0.0", "172.15.255.255",
    "172.32.0.0", "192.169.0.1",
    "169.253.255.255", "223.255.255.255", "2606:4700:4700::1111", "2a00:1450:4001:82a::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808", "2002:808:808::1",
  ])
  func globalAddressesPass(_ text: String) throws {
    #expect(try verdict(text) == .global)
  }

  /// Every way of writing the loopback and metadata addresses, and names made to look like
  /// them, refused in production; the two a reviewer could miss are the legacy IPv4 forms
  /// (`getaddrinfo` reads `0x7f.1` as 127.0.0.1) and a name that starts with "127.".
  @Test(arguments: [
    "http://2130706433/", "https://2130706433/", "https://0x7f.1/", "https://0x7f000001/",
    "https://0177.0.0.1/", "https://127.1/",
    "https://017700000001/", "https://[::ffff:127.0.0.1]/", "https://[::ffff:7f00:1]/",
    "https://[::1]:6379/",
    "https://169.254.169.254/latest/meta-data/", "https://[::ffff:169.254.169.254]/",
    "https://100.64.0.1/", "https://10.1.2.3:5432/",
    "https://localhost/", "https://localhost./", "https://LOCALHOST:9090/metrics",
    "http://127.0.0.1:8080/", "https://127.0.0.1/",
    "http://127.attacker.example/", "https://127.attacker.example/", "http://example.com/",
    "ftp://example.com/",
    "https://user:pass@8.8.8.8/", "not a url", "https:///nohost", "https://0.0.0.0/",
    "https://[fe80::1]/", "https://[fd00:ec2::254]/",
  ])
  func refusedInProduction(_ url: String) async {
    let resolver = Self.resolver(["example.com": ["93.184.216.34"]])
    await #expect(throws: OutboundRefusal.self, "\(url)") {
      try await Self.production.check(url, resolver: resolver)
    }
  }

  /// Outside production, loopback passes when it is written as an address or `localhost`, and
  /// never for a name: `127.attacker.example` is refused even when it resolves to 127.0.0.1.
  @Test func loopbackOnlyOutsideProductionAndOnlyByParsedAddress() async throws {
    let resolver = Self.resolver([
      "127.attacker.example": ["127.0.0.1"], "rebind.example": ["93.184.216.34", "127.0.0.1"],
    ])
    for url in [
      "http://127.0.0.1:8080/cb", "http://localhost:3000/idp/callback", "http://localhost.:3000/",
      "https://[::1]:8443/",
      "http://[::ffff:127.0.0.1]/",
    ] {
      let target = try await Self.local.check(url, resolver: resolver)
      #expect(OutboundAddressPolicy.classify(target.address) == .loopback, "\(url)")
    }
    #expect(
      try await Self.local.check("http://localhost:3000/", resolver: resolver)
        == OutboundTarget(host: "localhost", address: .v4(0x7F00_0001), isLiteral: false))
    for url in [
      "http://127.attacker.example/", "https://127.attacker.example/", "http://2130706433/",
      "http://0x7f.1/",
      "https://rebind.example/", "http://10.0.0.1/", "http://93.184.216.34/",
    ] {
      await #expect(throws: OutboundRefusal.self, "\(url)") {
        try await Self.local.check(url, resolver: resolver)
      }
    }
  }

  /// The deployment setting decides: `GATEHOUSE_ENV=production` (also the default when unset)
  /// refuses a loopback callback over http or https, whatever its spelling, and `local` or `test`
  /// accept it; http to a public address is refused in every one. The tests above build the
  /// policy by hand, and every cluster test runs with `test`, so before this test a policy that
  /// allowed loopback in production too passed the whole suite.
  @Test func loopbackIsRefusedWhenGatehouseEnvIsProduction() async throws {
    func policy(_ environment: [String: String]) throws -> OutboundAddressPolicy {
      let settings = Settings(reader: ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: environment)))
      return OutboundAddressPolicy(environment: try GatehouseConfig(settings: settings).environment)
    }
    let loopback = [
      "http://127.0.0.1:8080/callback", "http://localhost:3000/idp/callback", "http://[::1]:8080/",
      "https://127.0.0.1/callback", "https://localhost/callback",
    ]
    let resolver = Self.resolver(["sp.example": ["93.184.216.34"]])
    for environment in [["GATEHOUSE_ENV": "production"], [:]] {
      let production = try policy(environment)
      for url in loopback + ["http://sp.example/callback", "http://93.184.216.34/callback"] {
        await #expect(throws: OutboundRefusal.self, "\(environment): \(url)") { try await production.check(url, resolver: resolver) }
      }
      #expect(try await production.check("https://sp.example/callback", resolver: resolver).address == .v4(0x5DB8_D822))
    }
    for name in ["local", "test"] {
      let outside = try policy(["GATEHOUSE_ENV": name])
      for url in loopback {
        let target = try await outside.check(url, resolver: resolver)
        #expect(OutboundAddressPolicy.classify(target.address) == .loopback, "\(name): \(url)")
      }
      await #expect(throws: OutboundRefusal.self, "\(name)") {
        try await outside.check("http://sp.example/callback", resolver: resolver)
      }
    }
  }

  /// Every address of a name is checked (one private answer among public ones refuses it), the
  /// name's refusal does not say what it resolved to (no map of internal DNS for whoever set the
  /// URL), and a public name passes with the address to connect to.
  @Test func everyResolvedAddressIsCheckedAndTheReasonTellsNothingAboutInternalNames() async throws {
    let resolver = Self.resolver([
      "mixed.example": ["93.184.216.34", "10.0.0.7"], "db.internal": ["10.0.0.5"],
      "sp.example": ["2606:4700:4700::1111", "93.184.216.34"],
    ])
    var reasons: [String] = []
    for url in ["https://mixed.example/", "https://db.internal/", "https://missing.example/"] {
      do {
        _ = try await Self.production.check(url, resolver: resolver)
        Issue.record("\(url) passed")
      } catch {
        reasons.append(error.reason)
      }
    }
    #expect(Set(reasons).count == 1 && !reasons[0].contains("10.0.0"), "\(reasons)")
    let target = try await Self.production.check(
      "https://sp.example:8443/callback", resolver: resolver)
    #expect(
      target
        == OutboundTarget(
          host: "sp.example", address: IPAddress(literal: "2606:4700:4700::1111")!, isLiteral: false
        ))
  }

  /// What an SP owner may read of a failure is a fixed phrase, never the error's text.
  @Test func failureReasonsAreGeneric() {
    #expect(
      OutboundFailure.reason(OutboundRefusal(reason: "10.0.0.1 is not a public address"))
        == "refused by address policy")
    #expect(OutboundFailure.reason(HTTPClientError.deadlineExceeded) == "timed out")
    #expect(OutboundFailure.reason(HTTPClientError.connectTimeout) == "timed out")
    #expect(OutboundFailure.reason(ChannelError.connectTimeout(.seconds(1))) == "timed out")
    #expect(OutboundFailure.reason(HTTPClientError.remoteConnectionClosed) == "connection failed")
    #expect(OutboundFailure.answered(503) == "answered 503")
  }

  /// A name is sent to the address it was checked at: `localhost` (the one name allowed to a
  /// loopback address, outside production) goes through a client pinned to 127.0.0.1, and the
  /// pinned clients stay within their bound. A URL that does not pass is never sent.
  @Test func requestsGoToTheCheckedAddress() async throws {
    let receiver = try await CallbackReceiver()
    defer { receiver.stop() }
    let client = GuardedHTTPClient(policy: Self.local, bound: 1, longestRequest: .seconds(5))
    defer { Task { try? await client.shutdown() } }
    for path in [
      "http://localhost:\(receiver.port)/callback", "http://127.0.0.1:\(receiver.port)/callback",
      "http://localhost.:\(receiver.port)/callback",
    ] {
      var request = HTTPClientRequest(url: path)
      request.method = .POST
      request.body = .bytes(ByteBuffer(string: "{}"))
      let response = try await client.execute(request, timeout: .seconds(5))
      #expect(response.status == .ok, "\(path)")
    }
    #expect(await receiver.deliveries().count == 3)
    #expect(client.pinnedCount == 1)
    var refused = HTTPClientRequest(url: "http://127.attacker.example:\(receiver.port)/callback")
    refused.method = .POST
    await #expect(throws: OutboundRefusal.self) {
      try await client.execute(refused, timeout: .seconds(5))
    }
    #expect(await receiver.deliveries().count == 3)
  }

  /// The property pinning rests on: with `dnsOverride`, AsyncHTTPClient connects to the given
  /// address for a name that does not resolve at all, so it never looks the name up itself.
  @Test func aPinnedNameIsNeverResolvedByTheClient() async throws {
    let receiver = try await CallbackReceiver()
    defer { receiver.stop() }
    var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
    configuration.dnsOverride = ["sp.invalid": "127.0.0.1"]
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    var request = HTTPClientRequest(url: "http://sp.invalid:\(receiver.port)/callback")
    request.method = .POST
    let status = try await client.execute(request, timeout: .seconds(5)).status
    try await client.shutdown()
    #expect(status == .ok)
  }
}
