import Hummingbird
import Shared

/// The context of a route a service provider calls with its client credentials, as
/// ServiceProviderMiddleware read them. They are only parsed here: idp-service checks them.
struct SPContext: GatewayChildContext {
  var coreContext: CoreRequestContextStorage
  let parent: GatewayRequestContext
  let credentials: ClientCredentials

  init(context: GatewayRequestContext) throws {
    // Only reached without credentials if a route group left out ServiceProviderMiddleware.
    guard let credentials = context.serviceProvider else { throw ServiceProviderMiddleware.missing }
    self.coreContext = context.coreContext
    self.parent = context
    self.credentials = credentials
  }
}
