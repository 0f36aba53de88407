import AsyncHTTPClient
import ServiceLifecycle

/// Keeps an HTTP client until the service group shuts down, then shuts it down (a client must
/// be shut down before it goes away). List it before the services that use the client: a group
/// stops its services in reverse order, so the client outlives them.
struct HTTPClientLifetime: Service {
    let client: HTTPClient

    init(_ client: HTTPClient) { self.client = client }

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
