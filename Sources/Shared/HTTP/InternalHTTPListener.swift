import Hummingbird
import Logging
import ServiceLifecycle

/// The small HTTP listener of a backend process: `/metrics` for Prometheus and `/healthz` for
/// liveness probes. Never exposed publicly; the gateway is the only public listener.
public enum InternalHTTPListener {
  public static func make(host: String, port: Int, logger: Logger) -> some Service {
    let router = Router()
    router.get("healthz") { _, _ in
      Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
    }
    router.get("metrics") { _, _ in
      MetricsResponse.make()
    }
    return Application(
      router: router,
      configuration: .init(address: .hostname(host, port: port), serverName: nil),
      logger: logger)
  }
}

/// Prometheus text exposition as an HTTP response.
public enum MetricsResponse {
  public static func make() -> Response {
    Response(
      status: .ok,
      headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
      body: .init(byteBuffer: ByteBuffer(bytes: Telemetry.prometheusText())))
  }
}
