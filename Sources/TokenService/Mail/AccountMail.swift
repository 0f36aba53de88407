import Foundation
import ServiceLifecycle
import Shared

/// token-service's account mail, assembled from its settings: nothing at all when the
/// deployment has no SMTP server (docs/recovery.md).
enum AccountMail {
  static func settings() throws -> MailSettings? {
    try readSetting(service: .token) { () throws(ConfigurationError) in try MailSettings.load() }
  }

  static func outbox(_ context: BackendContext, _ settings: MailSettings?) throws -> MailOutbox? {
    guard let settings else { return nil }
    return MailOutbox(outbox: try Outbox(table: "token.outbox", lease: settings.lease), redis: context.redis, logger: context.logger)
  }

  /// The mail worker and the outbox's sweeper.
  static func workers(_ context: BackendContext) throws -> [any Service] {
    guard let settings = try settings(), let outbox = try outbox(context, settings) else { return [] }
    let delivery = MailDelivery(
      outbox: outbox.outbox, postgres: context.postgres, recipients: MailRecipientStore(logger: context.logger),
      tokens: EmailTokenStore(logger: context.logger), composer: try MailComposer.load(),
      smtp: SMTPClient(settings: settings.smtp, logger: context.logger), settings: settings, issuer: context.config.issuer,
      keyRing: context.keyRing, logger: context.logger)
    context.logger.info("account mail goes through \(settings.smtp.host):\(settings.smtp.port)")
    return delivery.services(context)
  }
}
