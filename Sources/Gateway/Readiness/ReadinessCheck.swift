import Foundation
import Shared

/// `/readyz`: ready only when Redis answers and one instance of every backend answers a ping
/// (which also reports that instance's PostgreSQL round trip), each within 1 s. The gateway has
/// no SQL of its own, so PostgreSQL is judged through the services that use it.
struct ReadinessCheck: Sendable {
  let redis: RedisClient
  let rpc: RPCClient
  let backends: [ServiceName]
  var timeout: Duration = .seconds(1)

  struct Dependency: Encodable, Sendable {
    var ok: Bool
    var latencyMs: Double?
    var instance: String?
    var error: String?

    enum CodingKeys: String, CodingKey {
      case ok, instance, error
      case latencyMs = "latency_ms"
    }
  }

  struct Report: Encodable, Sendable {
    var status: String
    var checks: [String: Dependency]
    var ready: Bool { status == "ready" }
  }

  func run(requestID: String) async -> Report {
    async let redisCheck = checkRedis()
    let pings = await withTaskGroup(of: (ServiceName, Result<(PingResponse, Duration), Problem>).self) { group in
      for backend in backends {
        group.addTask { (backend, await ping(backend, requestID: requestID)) }
      }
      var results: [(ServiceName, Result<(PingResponse, Duration), Problem>)] = []
      for await result in group { results.append(result) }
      return results
    }
    var checks: [String: Dependency] = ["redis": await redisCheck]
    var postgres = Dependency(ok: true, latencyMs: nil)
    for (backend, result) in pings {
      switch result {
      case .success(let (response, latency)):
        checks[backend.rawValue] = Dependency(ok: true, latencyMs: latency.fractionalMilliseconds, instance: response.instance)
        if let error = response.postgresError {
          postgres = Dependency(ok: false, latencyMs: nil, error: "\(backend): \(error)")
        } else if postgres.ok, let ms = response.postgresMs {
          postgres.latencyMs = max(postgres.latencyMs ?? 0, ms)
        }
      case .failure(let problem):
        checks[backend.rawValue] = Dependency(ok: false, error: problem.detail ?? problem.title)
      }
    }
    if postgres.ok && postgres.latencyMs == nil {
      postgres = Dependency(ok: false, error: "no service could report on PostgreSQL")
    }
    checks["postgres"] = postgres
    let ready = checks.values.allSatisfy(\.ok)
    return Report(status: ready ? "ready" : "not_ready", checks: checks)
  }

  private func checkRedis() async -> Dependency {
    do {
      let latency = try await redis.ping()
      return Dependency(ok: true, latencyMs: latency.fractionalMilliseconds)
    } catch {
      return Dependency(ok: false, error: "Redis did not answer")
    }
  }

  private func ping(_ backend: ServiceName, requestID: String) async -> Result<(PingResponse, Duration), Problem> {
    let start = ContinuousClock.now
    do {
      let context = RPCCallContext(requestID: requestID)
      let response = try await rpc.call(.ping(backend), PingRequest(), context: context, timeout: timeout)
      return .success((response, ContinuousClock.now - start))
    } catch let problem as Problem {
      return .failure(problem)
    } catch {
      return .failure(.serviceUnavailable("\(backend) did not answer"))
    }
  }
}
