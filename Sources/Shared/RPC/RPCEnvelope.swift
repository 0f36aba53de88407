import NIOCore

/// What travels on `gh:rpc:<service>` (docs/plumbing.md).
struct RPCEnvelope<Body: Codable & Sendable>: Codable, Sendable {
  var id: String
  var method: String
  var deadlineMs: Int64
  var replyTo: String
  var traceparent: String?
  var requestID: String?
  var principal: Principal?
  var body: Body

  enum CodingKeys: String, CodingKey {
    case id, method, traceparent, principal, body
    case deadlineMs = "deadline_ms"
    case replyTo = "reply_to"
    case requestID = "request_id"
  }
}

extension RPCEnvelope {
  /// Written by hand with `id` and `method` first (JSONEncoder does not promise an order), so a
  /// consumer finds the handler from the prefix and parses the envelope only once, as the
  /// handler's own type.
  func encoded() throws -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.reserveCapacity(512)
    buffer.writeString(#"{"id":"# + JSONText.quoted(id))
    buffer.writeString(#","method":"# + JSONText.quoted(method))
    buffer.writeString(#","deadline_ms":\#(deadlineMs),"reply_to":"# + JSONText.quoted(replyTo))
    if let traceparent { buffer.writeString(#","traceparent":"# + JSONText.quoted(traceparent)) }
    if let requestID { buffer.writeString(#","request_id":"# + JSONText.quoted(requestID)) }
    if let principal {
      buffer.writeString(#","principal":"#)
      var encoded = try JSON.encode(principal)
      buffer.writeBuffer(&encoded)
    }
    buffer.writeString(#","body":"#)
    var body = try JSON.encode(body)
    buffer.writeBuffer(&body)
    buffer.writeString("}")
    return buffer
  }
}

/// The envelope with its body skipped: enough to answer a request that cannot be handled.
typealias RPCEnvelopeHeader = RPCEnvelope<IgnoredBody>

extension RPCEnvelopeHeader {
  /// The method named in `{"id":"…","method":"…"`, as Gatehouse writes envelopes; anything else
  /// is parsed in full.
  static func method(of envelope: ByteBuffer) -> String? {
    let view = envelope.readableBytesView
    let idPrefix = Array(#"{"id":""#.utf8)
    let methodPrefix = Array(#"","method":""#.utf8)
    if view.starts(with: idPrefix),
      let idEnd = view.dropFirst(idPrefix.count).prefix(128).firstIndex(of: UInt8(ascii: "\"")),
      !view[view.startIndex..<idEnd].contains(UInt8(ascii: "\\")),
      view[idEnd...].starts(with: methodPrefix)
    {
      let rest = view[(idEnd + methodPrefix.count)...]
      if let end = rest.prefix(128).firstIndex(of: UInt8(ascii: "\"")), !rest[..<end].contains(UInt8(ascii: "\\")) {
        return String(decoding: rest[..<end], as: UTF8.self)
      }
    }
    return (try? JSON.decode(RPCEnvelopeHeader.self, from: envelope))?.method
  }
}

/// Decodes from any JSON value and keeps nothing.
struct IgnoredBody: Codable, Sendable {
  init(from decoder: any Decoder) throws {}
  func encode(to encoder: any Encoder) throws {}
}

/// What is published to `reply_to`: `{"id", "ok", "body" | "problem"}`.
struct RPCReply<Body: Codable & Sendable>: Codable, Sendable {
  var id: String
  var ok: Bool
  var body: Body?
  var problem: Problem?

  /// Written by hand so that `id` always comes first (JSONEncoder does not promise an order):
  /// the caller then routes a reply by its prefix without parsing it.
  static func encoded(id: String, body: Body) throws -> ByteBuffer {
    try frame(id: id, ok: true, field: "body", value: JSON.encode(body))
  }

  static func encoded(id: String, problem: Problem) throws -> ByteBuffer {
    try frame(id: id, ok: false, field: "problem", value: JSON.encode(problem))
  }

  /// The body of a successful reply to call `id` exactly as `frame` wrote it, without parsing:
  /// `{"id":"<id>","ok":true,"body":` … `}`. Nil for anything else.
  static func body(of reply: ByteBuffer, id: String) -> ByteBuffer? {
    let prefix = Array(#"{"id":"#.utf8) + Array(JSONText.quoted(id).utf8) + Array(#","ok":true,"body":"#.utf8)
    let view = reply.readableBytesView
    guard view.count > prefix.count, view.starts(with: prefix), view.last == UInt8(ascii: "}") else { return nil }
    return reply.getSlice(at: reply.readerIndex + prefix.count, length: view.count - prefix.count - 1)
  }

  private static func frame(id: String, ok: Bool, field: String, value: ByteBuffer) throws -> ByteBuffer {
    var buffer = ByteBuffer(string: #"{"id":"# + JSONText.quoted(id))
    buffer.writeString(#","ok":\#(ok),"\#(field)":"#)
    var value = value
    buffer.writeBuffer(&value)
    buffer.writeString("}")
    return buffer
  }
}

struct RPCReplyHeader: Decodable, Sendable {
  var id: String

  /// The reply's id. Replies from Gatehouse begin `{"id":"<uuid>"` (the encoder writes keys in
  /// declaration order), so the id is read from the prefix without parsing the whole reply;
  /// anything else is parsed in full.
  static func id(of reply: ByteBuffer) -> String? {
    let prefix: [UInt8] = Array(#"{"id":""#.utf8)
    let view = reply.readableBytesView
    if view.starts(with: prefix) {
      let rest = view.dropFirst(prefix.count)
      if let quote = rest.prefix(64).firstIndex(of: UInt8(ascii: "\"")) {
        let id = rest[rest.startIndex..<quote]
        if !id.contains(UInt8(ascii: "\\")) { return String(decoding: id, as: UTF8.self) }
      }
    }
    return (try? JSON.decode(RPCReplyHeader.self, from: reply))?.id
  }
}

struct NoBody: Codable, Sendable {}
