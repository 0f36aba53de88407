import Foundation
import Shared

/// The demo service provider `make run` offers (GATEHOUSE_ENV=local only): callbacks to
/// `http://localhost:3000/idp/callback`, its credentials and keys printed by `make run`. Demo data.
enum LocalDemo {
  static let name = "Gatehouse demo SP"
  static let callbackURL = "http://localhost:3000/idp/callback"

  static func seed(_ context: BackendContext) async throws {
    guard context.config.environment == .local else { return }
    let store = ServiceProviderStore(postgres: context.postgres, keyRing: context.keyRing, logger: context.logger)
    let existing = try await context.postgres.query("SELECT 1 FROM idp.service_providers WHERE name = \(name)", logger: context.logger)
      .collect()
    guard existing.isEmpty else { return }
    // The demo SP may receive the plain CI, as an operator would allow a bank's (docs/idp.md, "CI").
    let created = try await store.create(
      try await NewServiceProvider(
        name: name, callbackURL: callbackURL, ownerUserID: nil, mayReceiveCI: true,
        environment: context.config.environment))
    context.logger.info("seeded the local demo service provider", metadata: ["client_id": "\(created.clientID)"])
    try DemoCredentials.record(
      """
      demo service provider (identity verification; callbacks to \(callbackURL))
        client_id      \(created.clientID)
        client_secret  \(created.clientSecret)
        webhook_secret \(created.webhookSecret)
        standard_webhook_secret \(StandardWebhookSecret.text(webhookSecret: created.webhookSecret))
        result_kid     \(created.resultKeyID)
        result_key     \(created.resultKey)

      """, service: .idp, afresh: true)
  }
}
