import Foundation
import Hummingbird
import NIOCore
import Shared

/// Reads a JSON request body into `T`, or throws the problem that tells the caller what is wrong:
/// 413 past the size limit, 415 when it is not JSON, 400 when it does not parse, 422 naming the
/// field that is missing or of the wrong type.
enum JSONBody {
  static let limit = 64 * 1024

  static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
    if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
      throw RequestProblems.unsupportedMediaType.problem("Send the body as application/json.")
    }
    let buffer: ByteBuffer
    do {
      buffer = try await request.body.collect(upTo: limit)
    } catch {
      throw RequestProblems.payloadTooLarge.problem("A request body has at most \(limit / 1024) KiB.")
    }
    do {
      return try JSON.decode(T.self, from: buffer)
    } catch let error as DecodingError {
      throw problem(for: error)
    } catch {
      throw RequestProblems.malformedJSON.problem("The body is not valid JSON.")
    }
  }

  static func problem(for error: DecodingError) -> Problem {
    func path(_ context: DecodingError.Context, _ last: (any CodingKey)? = nil) -> String {
      (context.codingPath + (last.map { [$0] } ?? [])).map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
    switch error {
    case .keyNotFound(let key, let context):
      return RequestProblems.missingField.problem("\(path(context, key)) is required.", field: path(context, key))
    case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
      return RequestProblems.invalidField.problem("\(path(context)) must be \(describe(type)).", field: path(context))
    case .dataCorrupted(let context) where !context.codingPath.isEmpty:
      return RequestProblems.invalidField.problem("\(path(context)) is not valid.", field: path(context))
    default:
      return RequestProblems.malformedJSON.problem("The body is not valid JSON.")
    }
  }

  private static func describe(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: return "a string"
    case is Bool.Type: return "true or false"
    case is Int.Type, is Double.Type: return "a number"
    default: return "of another type"
    }
  }
}
