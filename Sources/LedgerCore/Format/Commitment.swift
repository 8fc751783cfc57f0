import LedgerCrypto
/// The personal fields of a payment. They appear in entries only as salted commitments.
public enum PersonalField: String, Sendable, CaseIterable, Comparable {
    case idNumber = "id_number"
    case name
    case category
    case certType = "cert_type"
    case certNumber = "cert_number"
    case accountNumber = "account_number"
    case bankRef = "bank_ref"

    /// Fields every payment must commit to.
    public static let required: [PersonalField] = [.idNumber, .name]

    public static func < (a: PersonalField, b: PersonalField) -> Bool { a.rawValue < b.rawValue }

    // Equal and hashed by position rather than through the name's string (what a raw-value enum does by
    // default): dictionaries keyed by field are on every payment's path of a verification or a cross-check.
    public static func == (a: PersonalField, b: PersonalField) -> Bool { a.ordinal == b.ordinal }
    public func hash(into hasher: inout Hasher) { hasher.combine(ordinal) }

    /// The field name as a static string, for the serializer.
    public var literal: StaticString {
        switch self {
        case .idNumber: "id_number"
        case .name: "name"
        case .category: "category"
        case .certType: "cert_type"
        case .certNumber: "cert_number"
        case .accountNumber: "account_number"
        case .bankRef: "bank_ref"
        }
    }

    /// This field's bit in a set of fields held as one byte: `1 << ordinal`.
    package var bit: UInt8 { 1 << UInt8(ordinal) }

    /// Position in `allCases`.
    public var ordinal: Int {
        switch self {
        case .idNumber: 0
        case .name: 1
        case .category: 2
        case .certType: 3
        case .certNumber: 4
        case .accountNumber: 5
        case .bankRef: 6
        }
    }
}

/// Salted commitments to personal values:
/// `H("aidledger/v1/commit" || 0x00 || field || 0x00 || salt || value)`, salt 16 random bytes, value UTF-8.
public enum Commitment {
    public static let domain: [UInt8] = Array("aidledger/v1/commit".utf8)
    public static let saltLength = 16

    public static func compute(field: String, salt: UnsafeRawBufferPointer, value: String, hash: HashFunction) -> Digest32 {
        precondition(salt.count == saltLength, "commitment salt must be 16 bytes")
        hash.begin()
        domain.withUnsafeBytes { hash.update($0) }
        hash.update(byte: 0)
        hash.update(field)
        hash.update(byte: 0)
        hash.update(salt)
        hash.update(value)
        return hash.finalize()
    }

    public static func compute(field: String, salt: [UInt8], value: String, hash: HashFunction) -> Digest32 {
        salt.withUnsafeBytes { compute(field: field, salt: $0, value: value, hash: hash) }
    }
}

/// The opening of one commitment: the salt and value behind `field` of the entry at `seq`.
/// Openings are personal data; they are kept apart from the chain and may be erased.
public struct Opening: Sendable, Equatable {
    public let seq: UInt64
    public let field: String
    public let salt: [UInt8]
    public let value: String

    public init(seq: UInt64, field: String, salt: [UInt8], value: String) {
        self.seq = seq
        self.field = field
        self.salt = salt
        self.value = value
    }

    /// One line of an openings file: canonical JSON `{"field":…,"salt":hex,"seq":n,"value":…}`.
    public var canonicalBytes: [UInt8] {
        CanonicalJSON.encode(.object(["field": .string(field), "salt": .string(Hex.encode(salt)), "seq": .int(Int64(seq)), "value": .string(value)]))
    }

    public init(decoding line: [UInt8]) throws(FormatError) {
        let value: JSONValue
        do { value = try JSONParser.parse(line, mode: .lenient) } catch { throw FormatError(.badOpening, "opening is not valid JSON: \(error)") }
        var r = try FieldReader(value, context: "opening")
        seq = UInt64(try r.int("seq", min: 1))
        field = try r.string("field", { PersonalField(rawValue: $0) != nil }, expected: "a personal field name")
        let saltHex = try r.string("salt", { $0.utf8.count == 32 && Hex.decode($0) != nil }, expected: "32 lowercase hex digits (16 bytes)")
        salt = Hex.decode(saltHex)!
        self.value = try r.string("value")
        try r.finish()
    }
}

/// Signed statements: what an officer or admin signs for a `key`, `batch` or `reversal` entry.
///
/// `"aidledger/v1/statement/" || kind || 0x00 || JCS(body without "sig", plus "origin")`.
public enum Statement {
    public static func bytes(kind: EntryKind, origin: String, body: JSONObject) -> [UInt8] {
        var statement = body
        statement["sig"] = nil
        statement["origin"] = .string(origin)
        var out = Array("aidledger/v1/statement/\(kind.rawValue)".utf8)
        out.append(0)
        CanonicalJSON.encode(.object(statement), into: &out)
        return out
    }

    /// Signs the statement of `body` and returns the body with `sig` set (base64).
    public static func sign(kind: EntryKind, origin: String, body: JSONObject, with key: NamedSigningKey) throws -> JSONObject {
        var signed = body
        signed["sig"] = nil
        let signature = try key.sign(bytes(kind: kind, origin: origin, body: signed))
        signed["sig"] = .string(Base64.encode(signature))
        return signed
    }
}
