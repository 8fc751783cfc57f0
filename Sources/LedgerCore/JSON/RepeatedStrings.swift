#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Strings that repeat from one record to the next (a batch's id and programme, a unit's few school names, a
/// registry's certificate types), made once: the last few made are compared by bytes before a new one is.
/// Readers of many records (a cross-check reads millions) keep one per field, so equal values share storage.
package struct RepeatedStrings {
    private var recent: [(bytes: [UInt8], string: String)] = []
    private var next = 0
    package static let capacity = 16

    package init() {}

    /// The string of these UTF-8 bytes (which the caller has validated as it needs).
    package mutating func string(_ bytes: UnsafeRawBufferPointer) -> String {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return "" }
        for r in recent where r.bytes.count == bytes.count {
            if r.bytes.withUnsafeBytes({ memcmp($0.baseAddress!, base, bytes.count) }) == 0 { return r.string }
        }
        let s = String(decoding: bytes, as: UTF8.self)
        if recent.count < Self.capacity {
            recent.append((Array(bytes), s))
        } else {
            recent[next] = (Array(bytes), s)
            next = (next + 1) % Self.capacity
        }
        return s
    }
}
