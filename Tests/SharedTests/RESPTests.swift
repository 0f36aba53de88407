import NIOCore
import Testing

@testable import Shared

/// hiredis encodes commands and parses replies; these pin the bytes on the wire.
@Suite(.timeLimit(.minutes(2))) struct RESPTests {
  @Test func commandsAreEncodedAsRESPArraysOfBulkStrings() {
    let command = RedisCommand("SET", "key", .bytes(ByteBuffer(bytes: [0, 255, 10])))
    var encoded = command.encoded
    let text = encoded.readBytes(length: encoded.readableBytes) ?? []
    #expect(text == Array("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$3\r\n".utf8) + [0, 255, 10] + Array("\r\n".utf8))
  }

  @Test func emptyArgumentsAreEncoded() {
    var encoded = RedisCommand("ECHO", "").encoded
    #expect(encoded.readString(length: encoded.readableBytes) == "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n")
  }

  @Test func repliesSplitAcrossReadsAreReassembled() throws {
    let reader = RESPReader()
    let wire = "+OK\r\n:42\r\n$5\r\nhello\r\n*2\r\n$1\r\na\r\n$-1\r\n-ERR bad\r\n"
    var replies: [RESPValue] = []
    for chunk in wire.utf8.map({ [$0] }) {
      try reader.feed(ByteBuffer(bytes: chunk))
      while let reply = try reader.next() { replies.append(reply) }
    }
    #expect(
      replies == [
        .simpleString("OK"), .integer(42), .bulkString(ByteBuffer(string: "hello")),
        .array([.bulkString(ByteBuffer(string: "a")), .null]), .error("ERR bad"),
      ])
  }

  @Test func garbageIsAProtocolErrorNotACrash() throws {
    let reader = RESPReader()
    try? reader.feed(ByteBuffer(string: "?what\r\n"))
    #expect(throws: RedisError.self) { try reader.next() }
  }
}
