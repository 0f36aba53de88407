import Foundation
import Hummingbird
import Shared

/// Query parameters a route cannot do without.
enum Query {
  /// The parameter's value, or a 400 naming it when it is missing or empty.
  static func required(_ request: Request, _ name: String) throws -> String {
    guard let value = request.uri.queryParameters[Substring(name)], !value.isEmpty else {
      throw RequestProblems.invalidRequest.problem("\(name) is required.", field: name)
    }
    return String(value)
  }
}

/// Redirects the gateway answers with.
enum Redirect {
  /// 302 to `location`, never cached.
  static func found(_ location: String) -> Response {
    Response(status: .found, headers: [.location: location, .cacheControl: "no-store"])
  }
}
