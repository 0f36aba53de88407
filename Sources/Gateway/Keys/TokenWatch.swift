import Foundation
import Shared

extension AccessTokenVerifier {
  /// Returns once `token` no longer verifies, for connections that outlive a request (the SSE
  /// inbox, docs/idp.md): a token checked only when the stream opened kept it streaming after
  /// logout-all. It is checked again after every change to the revocation list (events and
  /// reloads), when it expires, and every 15 s for what comes without an event (a service
  /// closed, the keys withdrawn). Returns at once when cancelled.
  func untilInvalid(_ token: String, claims: AccessTokenClaims, context: RPCCallContext) async {
    let changes = await revocations.changes()
    await withTaskGroup(of: Void.self) { group in
      group.addTask {
        for await _ in changes {
          if await !self.stillValid(token, context: context) { return }
        }
      }
      group.addTask {
        while !Task.isCancelled {
          let untilExpiry = Double(claims.exp + self.leeway) - Date().timeIntervalSince1970
          try? await Task.sleep(for: .milliseconds(Int(max(50, min(15_000, untilExpiry * 1000 + 50)))))
          guard !Task.isCancelled else { return }
          if await !self.stillValid(token, context: context) { return }
        }
      }
      await group.next()
      group.cancelAll()
    }
  }

  private func stillValid(_ token: String, context: RPCCallContext) async -> Bool {
    do {
      _ = try await verify(token, context: context)
      return true
    } catch {
      // A gateway that cannot check (503) keeps the stream; only a refusal ends it.
      return error.statusCode >= 500
    }
  }
}
