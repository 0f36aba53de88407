import Shared

/// Who made the call a change comes from, for its audit rows: the gateway's request id and the
/// client's address and user agent (nil for the operator's commands and the sweepers).
struct Caller: Sendable {
  let requestID: String?
  let client: ClientInfo?

  /// A sweeper's or a job's change: no request, no client.
  static let system = Caller(requestID: nil, client: nil)
}
