import Foundation
import Testing
@testable import Shared

/// The gateway's limits, counted in Redis, through the real gateway.
@Suite(.serialized) struct RateLimitTests {
    @Test func theSixthLoginFromOneAddressIsRefusedWith429AndRetryAfter() async throws {
        try await withCluster(environment: ["GATEHOUSE_RATE_LIMIT_LOGIN": "5/300", "GATEHOUSE_RATE_LIMIT_API": "1000/60"]) { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            let account = try await LoginTests().makeAccount(cluster)
            var statuses: [Int] = []
            var last: (status: Int, headers: [String: String], body: String)?
            for _ in 0..<6 {
                let response = try await LoginTests().login(cluster, account)
                statuses.append(response.status)
                last = response
            }
            #expect(statuses == [200, 200, 200, 200, 200, 429])
            let refused = try #require(last)
            #expect(json(refused.body)["code"] as? String == "rate_limited")
            #expect(Int(refused.headers["retry-after"] ?? "") ?? 0 >= 1)
            #expect(refused.headers["ratelimit-limit"] == "5")
        }
    }

    @Test func everyAPIRouteIsLimitedPerAddressAndSaysWhereTheClientStands() async throws {
        try await withCluster(environment: ["GATEHOUSE_RATE_LIMIT_API": "10/60"]) { cluster in
            #expect(try await cluster.waitUntilReady(), "not ready:\n\(cluster.logs)")
            var statuses: [Int] = []
            var remaining: [String] = []
            for _ in 0..<11 {
                let response = try await cluster.get("/api/v1/users/me")
                statuses.append(response.status)
                remaining.append(response.headers["ratelimit-remaining"] ?? "-")
            }
            #expect(statuses.prefix(10).allSatisfy { $0 == 401 })   // counted even when refused for another reason
            #expect(statuses.last == 429)
            #expect(remaining.first == "9")
            // Meta routes are not API routes.
            #expect(try await cluster.get("/healthz").status == 200)
        }
    }

    @Test func aMalformedLimitStopsTheGatewayWithALineNamingIt() async throws {
        let process = ServiceProcess("gateway", environment: ServiceProcess.environment(redisPort: 1, extra: ["GATEHOUSE_RATE_LIMIT_LOGIN": "five"]))
        try process.start()
        let status = await process.waitForExit(timeout: .seconds(10))
        #expect(status == 78)
        #expect(process.log.contains("GATEHOUSE_RATE_LIMIT_LOGIN"))
    }
}
