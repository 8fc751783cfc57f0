#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LedgerCrypto

/// Writes canonical JSON fragments straight into memory reserved up front: the append hot path's serializer.
/// Callers reserve an upper bound (`stringBound` per string) and create the array with `ByteWriter.build`.
package struct ByteWriter {
    @usableFromInline var pointer: UnsafeMutablePointer<UInt8>
    public private(set) var count = 0
    let capacity: Int

    /// Builds an array of at most `capacity` bytes with `body`.
    @inlinable
    package static func build(capacity: Int, _ body: (inout ByteWriter) -> Void) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            var writer = ByteWriter(pointer: buffer.baseAddress!, capacity: capacity)
            body(&writer)
            initialized = writer.count
        }
    }

    @usableFromInline init(pointer: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.pointer = pointer
        self.capacity = capacity
    }

    /// Upper bound of the bytes `string(_:)` writes for `s`: quotes plus six bytes per byte (`\u00xx`).
    @inline(__always)
    package static func stringBound(_ s: String) -> Int { 2 + 6 * s.utf8.count }

    @inline(__always)
    package mutating func byte(_ b: UInt8) {
        precondition(count < capacity, "ByteWriter overflow")
        pointer[count] = b
        count += 1
    }

    @inline(__always)
    package mutating func literal(_ s: StaticString) {
        raw(UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    @inline(__always)
    package mutating func raw(_ bytes: UnsafeRawBufferPointer) {
        precondition(count + bytes.count <= capacity, "ByteWriter overflow")
        if bytes.count > 0 { memcpy(pointer + count, bytes.baseAddress!, bytes.count) }
        count += bytes.count
    }

    @inline(__always)
    package mutating func raw(_ bytes: [UInt8]) { bytes.withUnsafeBytes { raw($0) } }

    /// A JSON string, escaped as JCS requires.
    package mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { u in
            precondition(count + 2 + 6 * u.count <= capacity, "ByteWriter overflow")
            pointer[count] = 0x22
            count += 1
            var plain = true
            for b in u where b < 0x20 || b == 0x22 || b == 0x5c { plain = false; break }
            if plain {
                if u.count > 0 { memcpy(pointer + count, u.baseAddress!, u.count) }
                count += u.count
            } else {
                for b in u {
                    switch b {
                    case 0x22: put(0x5c, 0x22)
                    case 0x5c: put(0x5c, 0x5c)
                    case 0x08: put(0x5c, UInt8(ascii: "b"))
                    case 0x09: put(0x5c, UInt8(ascii: "t"))
                    case 0x0a: put(0x5c, UInt8(ascii: "n"))
                    case 0x0c: put(0x5c, UInt8(ascii: "f"))
                    case 0x0d: put(0x5c, UInt8(ascii: "r"))
                    case 0..<0x20:
                        put(0x5c, UInt8(ascii: "u"))
                        put(UInt8(ascii: "0"), UInt8(ascii: "0"))
                        put(CanonicalJSON.hexDigits[Int(b >> 4)], CanonicalJSON.hexDigits[Int(b & 0xf)])
                    default:
                        pointer[count] = b
                        count += 1
                    }
                }
            }
            pointer[count] = 0x22
            count += 1
        }
    }

    @inline(__always)
    mutating func put(_ a: UInt8, _ b: UInt8) {
        pointer[count] = a
        pointer[count + 1] = b
        count += 2
    }

    /// An integer in shortest decimal form (at most 20 bytes).
    package mutating func integer(_ value: Int64) {
        precondition(count + 20 <= capacity, "ByteWriter overflow")
        if value == 0 { pointer[count] = UInt8(ascii: "0"); count += 1; return }
        var m = value.magnitude
        if value < 0 { pointer[count] = UInt8(ascii: "-"); count += 1 }
        var digits = 0
        var t = m
        while t > 0 { digits += 1; t /= 10 }
        var i = count + digits - 1
        while m > 0 {
            pointer[i] = UInt8(ascii: "0") + UInt8(m % 10)
            m /= 10
            i -= 1
        }
        count += digits
    }

    /// Lowercase hex of `bytes` (no quotes), two digits per byte.
    package mutating func hex(_ bytes: UnsafeRawBufferPointer) {
        precondition(count + 2 * bytes.count <= capacity, "ByteWriter overflow")
        for (i, b) in bytes.enumerated() {
            pointer[count + 2 * i] = CanonicalJSON.hexDigits[Int(b >> 4)]
            pointer[count + 2 * i + 1] = CanonicalJSON.hexDigits[Int(b & 0xf)]
        }
        count += 2 * bytes.count
    }

    /// 64 lowercase hex digits of a digest (no quotes).
    package mutating func hex(_ d: Digest32) {
        precondition(count + 64 <= capacity, "ByteWriter overflow")
        d.withUnsafeBytes { raw in
            for (i, b) in raw.enumerated() {
                pointer[count + 2 * i] = CanonicalJSON.hexDigits[Int(b >> 4)]
                pointer[count + 2 * i + 1] = CanonicalJSON.hexDigits[Int(b & 0xf)]
            }
        }
        count += 64
    }
}
