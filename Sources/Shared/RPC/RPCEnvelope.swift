import NIOCore

/// What travels on `gh:rpc:<service>`: DESIGN.md section 3.
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

/// The envelope without its body, decoded first to route and to drop expired requests cheaply.
struct RPCEnvelopeHeader: Decodable, Sendable {
    var id: String
    var method: String
    var deadlineMs: Int64
    var replyTo: String
    var traceparent: String?
    var requestID: String?
    var principal: Principal?

    enum CodingKeys: String, CodingKey {
        case id, method, traceparent, principal
        case deadlineMs = "deadline_ms"
        case replyTo = "reply_to"
        case requestID = "request_id"
    }
}

/// What is published to `reply_to`: `{"id", "ok", "body" | "problem"}`.
struct RPCReply<Body: Codable & Sendable>: Codable, Sendable {
    var id: String
    var ok: Bool
    var body: Body?
    var problem: Problem?
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
