import LedgerCrypto
/// Lexical rules for field values, shared by encoders and decoders.
public enum FieldSyntax {
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, a real UTC date and time.
    public static func isTimestamp(_ s: String) -> Bool { withBytes(s, isTimestamp) }

    public static func isTimestamp(_ b: UnsafeRawBufferPointer) -> Bool {
        guard b.count == 24, b[10] == UInt8(ascii: "T"), b[13] == 0x3a, b[16] == 0x3a, b[19] == UInt8(ascii: "."), b[23] == UInt8(ascii: "Z"),
              isDate(UnsafeRawBufferPointer(rebasing: b[0..<10])),
              let hh = digits(b, 11..<13), let mm = digits(b, 14..<16), let ss = digits(b, 17..<19), digits(b, 20..<23) != nil else { return false }
        return hh < 24 && mm < 60 && ss < 60
    }

    /// `YYYY-MM-DD`, a real Gregorian date, year 1900–2999.
    public static func isDate(_ s: String) -> Bool { withBytes(s, isDate) }

    public static func isDate(_ b: UnsafeRawBufferPointer) -> Bool {
        guard b.count == 10, b[4] == 0x2d, b[7] == 0x2d, let y = digits(b, 0..<4), let m = digits(b, 5..<7), let d = digits(b, 8..<10) else { return false }
        return y >= 1900 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(month: m, year: y)
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `YYYY-spring`, `YYYY-autumn` (a school term), `YYYY-MM` (a month, for monthly programmes) or `YYYY` (a year).
    public static func isPeriod(_ s: String) -> Bool { withBytes(s, isPeriod) }

    public static func isPeriod(_ b: UnsafeRawBufferPointer) -> Bool {
        guard b.count >= 4, let y = digits(b, 0..<4), y >= 1900, y <= 2999 else { return false }
        if b.count == 4 { return true }
        guard b[4] == 0x2d else { return false }
        let rest = UnsafeRawBufferPointer(rebasing: b[5...])
        if rest.elementsEqual("spring".utf8) || rest.elementsEqual("autumn".utf8) { return true }
        if rest.count == 2, let m = digits(b, 5..<7) { return m >= 1 && m <= 12 }
        return false
    }

    /// Identifiers (batch ids, unit and school codes): 1–64 of `A–Z a–z 0–9 . _ : / -`.
    public static func isToken(_ s: String) -> Bool { withBytes(s, isToken) }

    public static func isToken(_ b: UnsafeRawBufferPointer) -> Bool {
        guard !b.isEmpty, b.count <= 64 else { return false }
        for c in b {
            let ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2e || c == 0x5f || c == 0x3a || c == 0x2f || c == 0x2d
            if !ok { return false }
        }
        return true
    }

    /// Free text (names of schools and programmes, reasons): 1–`maxScalars` Unicode scalars, no control
    /// characters (C0, DEL, C1). The bytes must be valid UTF-8 (as every parsed JSON string is).
    public static func isText(_ s: String, maxScalars: Int = 200) -> Bool { withBytes(s) { isText($0, maxScalars: maxScalars) } }

    public static func isText(_ u: UnsafeRawBufferPointer, maxScalars: Int = 200) -> Bool {
        guard !u.isEmpty, u.count <= maxScalars * 4 else { return false }
        var scalars = 0
        var i = 0
        while i < u.count {
            let c = u[i]
            if c < 0x20 || c == 0x7f { return false }
            // C1 controls U+0080–U+009F are encoded C2 80 … C2 9F.
            if c == 0xc2, i + 1 < u.count, u[i + 1] < 0xa0 { return false }
            if c & 0xc0 != 0x80 { scalars += 1 }
            i += 1
        }
        return scalars <= maxScalars
    }

    /// 64 lowercase hex digits.
    public static func isHexDigest(_ s: String) -> Bool { Digest32(hexString: s) != nil }

    @inline(__always)
    static func withBytes(_ s: String, _ body: (UnsafeRawBufferPointer) -> Bool) -> Bool {
        var s = s
        return s.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    @inline(__always)
    static func digits(_ b: UnsafeRawBufferPointer, _ r: Range<Int>) -> Int? {
        var v = 0
        for i in r {
            let c = b[i]
            guard c >= 0x30, c <= 0x39 else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }

    static func digits(_ slice: ArraySlice<UInt8>) -> Int? {
        var v = 0
        for c in slice {
            guard c >= 0x30, c <= 0x39 else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }
}

/// Reads the members of a JSON object field by field, checking types and syntax, and rejects members it did not
/// read (`finish()`), so that unknown fields are never silently accepted.
public struct FieldReader {
    let object: JSONObject
    let context: String
    /// How many of the object's members have been read. Keys are unique and each field is read once, so the
    /// object has an unknown member exactly when, at `finish()`, fewer members were read than it has.
    var consumedCount = 0
    var readKeys: [String] = []

    public init(_ value: JSONValue, context: String) throws(FormatError) {
        guard case .object(let o) = value else { throw FormatError(.badField, "\(context) must be an object, found \(value.typeName)") }
        self.object = o
        self.context = context
    }

    public init(_ object: JSONObject, context: String) {
        self.object = object
        self.context = context
    }

    func fail(_ field: String, _ why: String) -> FormatError { FormatError(.badField, "\(context).\(field): \(why)") }

    public mutating func has(_ field: String) -> Bool { object[field] != nil }

    public mutating func value(_ field: String) throws(FormatError) -> JSONValue {
        guard let v = object[field] else { throw fail(field, "missing") }
        consumedCount += 1
        readKeys.append(field)
        return v
    }

    public mutating func string(_ field: String, _ check: (String) -> Bool = { _ in true }, expected: String = "a string") throws(FormatError) -> String {
        let v = try value(field)
        guard case .string(let s) = v else { throw fail(field, "must be a string, found \(v.typeName)") }
        guard check(s) else { throw fail(field, "must be \(expected)") }
        return s
    }

    public mutating func optionalString(_ field: String, _ check: (String) -> Bool = { _ in true }, expected: String = "a string") throws(FormatError) -> String? {
        guard object[field] != nil else { return nil }
        return try string(field, check, expected: expected)
    }

    public mutating func int(_ field: String, min: Int64 = Int64.min, max: Int64 = JSONValue.maxSafeInteger) throws(FormatError) -> Int64 {
        let v = try value(field)
        guard case .int(let i) = v else { throw fail(field, "must be an integer, found \(v.typeName)") }
        guard i >= min, i <= max else { throw fail(field, max == JSONValue.maxSafeInteger ? "must be at least \(min)" : "must be between \(min) and \(max)") }
        return i
    }

    public mutating func bool(_ field: String) throws(FormatError) -> Bool {
        let v = try value(field)
        guard case .bool(let b) = v else { throw fail(field, "must be a boolean, found \(v.typeName)") }
        return b
    }

    public mutating func digest(_ field: String) throws(FormatError) -> Digest32 {
        let v = try value(field)
        guard case .string(let s) = v else { throw fail(field, "must be a string, found \(v.typeName)") }
        guard let d = Digest32(hexString: s) else { throw fail(field, "must be 64 lowercase hex digits") }
        return d
    }

    public mutating func oneOf<E: RawRepresentable>(_ field: String, _ type: E.Type) throws(FormatError) -> E where E.RawValue == String, E: CaseIterable {
        let s = try string(field)
        guard let e = E(rawValue: s) else { throw fail(field, "must be one of \(E.allCases.map { $0.rawValue }.joined(separator: ", "))") }
        return e
    }

    public func finish() throws(FormatError) {
        guard consumedCount != object.count else { return }
        for m in object.members where !readKeys.contains(m.key) {
            throw FormatError(.badField, "\(context): unknown field \"\(m.key)\"")
        }
    }
}
