import HTTPTypes

/// Header names the gateway sets that HTTPTypes does not predefine.
extension HTTPField.Name {
  static let requestID = known("X-Request-Id")
  static let traceparent = known("traceparent")
  static let xContentTypeOptions = known("X-Content-Type-Options")
  static let xFrameOptions = known("X-Frame-Options")
  static let referrerPolicy = known("Referrer-Policy")
  static let rateLimitLimit = known("RateLimit-Limit")
  static let rateLimitRemaining = known("RateLimit-Remaining")
  static let rateLimitReset = known("RateLimit-Reset")
  static let pragma = known("Pragma")
  static let xForwardedFor = known("X-Forwarded-For")
  static let xClientID = known("X-Client-ID")
  static let xClientSecret = known("X-Client-Secret")

  /// A name written in this file: valid by construction, checked once at start-up.
  private static func known(_ name: String) -> HTTPField.Name {
    guard let field = HTTPField.Name(name) else { preconditionFailure("invalid header name \(name)") }
    return field
  }
}
