import Hummingbird
import Shared

/// `/healthz`, `/readyz`, `/metrics`: for the platform; not API routes, so no limit counts them.
/// `/openapi.json` and `/docs`: the API's description and its reference page (docs/api.md),
/// made once at start-up.
struct MetaController: Sendable {
  let readiness: ReadinessCheck
  let openAPI: ByteBuffer
  let reference: ByteBuffer

  func addRoutes(to group: RouterGroup<GatewayRequestContext>) {
    group.get("healthz", use: health)
      .get("readyz", use: ready)
      .get("metrics", use: metrics)
      .get("openapi.json", use: openAPIDocument)
      .get("docs", use: referencePage)
  }

  @Sendable func referencePage(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    Response(
      status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "public, max-age=300"],
      body: .init(byteBuffer: reference))
  }

  @Sendable func openAPIDocument(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    Response(
      status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"], body: .init(byteBuffer: openAPI))
  }

  /// The process answers.
  @Sendable func health(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    try JSONResponse.make(["status": "ok"])
  }

  /// Redis and one instance of every backend answer (ReadinessCheck); 503 with the report otherwise.
  @Sendable func ready(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    let report = await readiness.run(requestID: context.requestID)
    return try JSONResponse.make(report, status: report.ready ? .ok : .serviceUnavailable)
  }

  @Sendable func metrics(_ request: Request, context: GatewayRequestContext) async throws -> Response {
    MetricsResponse.make()
  }
}
