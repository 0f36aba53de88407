/// Random values from the system's CSPRNG (`SystemRandomNumberGenerator`).
public enum SecureRandom {
    public static func hex(bytes: Int) -> String {
        // One random word per eight bytes: one getrandom call each, not one per byte.
        var digits: [UInt8] = []
        digits.reserveCapacity(bytes * 2)
        let hex = Array("0123456789abcdef".utf8)
        var remaining = bytes
        while remaining > 0 {
            var word = UInt64.random(in: .min ... .max)
            for _ in 0..<min(8, remaining) {
                digits.append(hex[Int(word >> 4 & 0xF)])
                digits.append(hex[Int(word & 0xF)])
                word >>= 8
            }
            remaining -= 8
        }
        return String(decoding: digits, as: UTF8.self)
    }

    public static func bytes(_ count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 8)
        while bytes.count < count {
            withUnsafeBytes(of: UInt64.random(in: .min ... .max)) { bytes.append(contentsOf: $0) }
        }
        return Array(bytes.prefix(count))
    }
}
