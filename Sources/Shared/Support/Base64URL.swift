import Foundation

/// base64url without padding (RFC 4648 section 5), as JOSE uses it. Maps bytes rather than
/// calling `replacingOccurrences`, which bridges through NSString and showed in profiles of
/// every token and verification result.
public enum Base64URL {
  public static func encode(_ bytes: some Sequence<UInt8>) -> String {
    let standard = Data(bytes).base64EncodedData()
    var url = [UInt8]()
    url.reserveCapacity(standard.count)
    for byte in standard {
      switch byte {
      case UInt8(ascii: "+"): url.append(UInt8(ascii: "-"))
      case UInt8(ascii: "/"): url.append(UInt8(ascii: "_"))
      case UInt8(ascii: "="): continue
      default: url.append(byte)
      }
    }
    return String(decoding: url, as: UTF8.self)
  }

  public static func decode(_ text: String) -> [UInt8]? {
    var standard = [UInt8]()
    standard.reserveCapacity(text.utf8.count + 3)
    for byte in text.utf8 {
      switch byte {
      case UInt8(ascii: "-"): standard.append(UInt8(ascii: "+"))
      case UInt8(ascii: "_"): standard.append(UInt8(ascii: "/"))
      default: standard.append(byte)
      }
    }
    standard.append(contentsOf: repeatElement(UInt8(ascii: "="), count: (4 - standard.count % 4) % 4))
    return Data(base64Encoded: Data(standard)).map(Array.init)
  }
}
