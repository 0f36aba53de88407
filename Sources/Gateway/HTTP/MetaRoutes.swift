import Hummingbird
import Shared

/// `/healthz`, `/readyz`, `/metrics`.
enum MetaRoutes {
    static func add(to router: Router<GatewayRequestContext>, readiness: ReadinessCheck) {
        router.get("healthz") { _, _ in
            try JSONResponse.make(["status": "ok"])
        }
        router.get("readyz") { _, context in
            let report = await readiness.run(requestID: context.requestID)
            return try JSONResponse.make(report, status: report.ready ? .ok : .serviceUnavailable)
        }
        router.get("metrics") { _, _ in
            MetricsResponse.make()
        }
    }
}

enum JSONResponse {
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: try JSON.encode(value)))
    }

    /// A JSON body already encoded: a service's reply passed on as it is (`RPCClient.relay`).
    static func relayed(_ json: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"], body: .init(byteBuffer: json))
    }
}
