import AsyncHTTPClient
import NIOCore

/// What an outbound request's failure is called where the person who set the URL can read it
/// (an SP owner's deliveries view, the stored error): one of a few fixed phrases. The error's own
/// text names addresses, ports and what answered there, which would make the URL a port scanner;
/// it belongs in the operator's log only.
public enum OutboundFailure {
  public static let refused = "refused by address policy"
  public static let timedOut = "timed out"
  public static let connectionFailed = "connection failed"

  public static func reason(_ error: any Error) -> String {
    if error is OutboundRefusal { return refused }
    if let error = error as? HTTPClientError,
      [.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout].contains(error)
    {
      return timedOut
    }
    if case ChannelError.connectTimeout = error { return timedOut }
    return connectionFailed
  }

  /// An answer that was not a success: only its status code.
  public static func answered(_ status: UInt) -> String { "answered \(status)" }
}
