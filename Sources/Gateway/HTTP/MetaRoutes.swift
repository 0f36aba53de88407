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
