// MFA/: TOTP enrolment, sign-in with a second factor, backup codes and step-up (docs/admin.md, "TOTP MFA").
import CPNG
import CQREncode
import Foundation

/// A QR code as a PNG `data:` URI, for authenticator apps to scan during TOTP enrolment.
/// libqrencode lays out the modules; libpng's simplified API writes the grey-scale image.
enum QRCodeImage {
  /// Pixels per module and the quiet zone around the code (4 modules, as ISO/IEC 18004 asks).
  static let scale = 6
  static let quietZone = 4

  static func dataURI(for text: String) -> String? {
    png(for: text).map { "data:image/png;base64," + Data($0).base64EncodedString() }
  }

  static func png(for text: String) -> [UInt8]? {
    guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else { return nil }
    defer { QRcode_free(code) }
    let modules = Int(code.pointee.width)
    let side = (modules + 2 * quietZone) * scale
    var pixels = [UInt8](repeating: 0xFF, count: side * side)
    for y in 0..<modules {
      for x in 0..<modules where code.pointee.data[y * modules + x] & 1 == 1 {
        for dy in 0..<scale {
          let row = ((y + quietZone) * scale + dy) * side
          for dx in 0..<scale { pixels[row + (x + quietZone) * scale + dx] = 0 }
        }
      }
    }
    return encodeGrey(pixels, side: side)
  }

  private static func encodeGrey(_ pixels: [UInt8], side: Int) -> [UInt8]? {
    var image = png_image()
    image.version = png_uint_32(PNG_IMAGE_VERSION)
    image.width = png_uint_32(side)
    image.height = png_uint_32(side)
    image.format = png_uint_32(PNG_FORMAT_GRAY)
    var size: png_alloc_size_t = 0
    // The first call only measures.
    guard png_image_write_to_memory(&image, nil, &size, 0, pixels, png_int_32(side), nil) != 0 else { return nil }
    var output = [UInt8](repeating: 0, count: Int(size))
    let written = output.withUnsafeMutableBytes { buffer in
      png_image_write_to_memory(&image, buffer.baseAddress, &size, 0, pixels, png_int_32(side), nil)
    }
    png_image_free(&image)
    guard written != 0 else { return nil }
    return Array(output.prefix(Int(size)))
  }
}
