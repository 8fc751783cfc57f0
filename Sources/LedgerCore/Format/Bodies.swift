import LedgerCrypto
/// Roles a key can be enrolled with.
public enum Role: String, Sendable, CaseIterable {
    case admin, officer, inspector, witness
}

/// Education stage of a payment.
public enum Stage: String, Sendable, CaseIterable {
    case preschool, primary, junior, senior, vocational, higher

    /// The raw value as a static string, for the serializer.
    public var literal: StaticString {
        switch self {
        case .preschool: "preschool"
        case .primary: "primary"
        case .junior: "junior"
        case .senior: "senior"
        case .vocational: "vocational"
        case .higher: "higher"
        }
    }
}

/// How a payment reached the student (财教〔2021〕310号: no cash).
public enum AccountType: String, Sendable, CaseIterable {
    case socialSecurityCard = "social_security_card"
    case bankCard = "bank_card"
    case aidCard = "aid_card"
    case mealCard = "meal_card"

    /// The raw value as a static string, for the serializer.
    public var literal: StaticString {
        switch self {
        case .socialSecurityCard: "social_security_card"
        case .bankCard: "bank_card"
        case .aidCard: "aid_card"
        case .mealCard: "meal_card"
        }
    }
}

/// The unit scope value that means "every unit".
public let allUnitsScope = "*"

// MARK: - genesis

/// Body of the `genesis` entry (seq 1): the suite, the ledger's checkpoint key and the first admin key.
public struct GenesisBody: Sendable, Equatable {
    public let suite: Suite
    /// Signs checkpoints. Its name MUST equal the ledger origin.
    public let ledgerKey: VerifierKey
    /// The first admin, scope all units.
    public let adminKey: VerifierKey

    public init(suite: Suite, ledgerKey: VerifierKey, adminKey: VerifierKey) {
        self.suite = suite
        self.ledgerKey = ledgerKey
        self.adminKey = adminKey
    }

    public var json: JSONObject {
        ["suite": .string(suite.rawValue), "ledger_key": .string(ledgerKey.description), "admin_key": .string(adminKey.description)]
    }

    public init(decoding body: JSONObject) throws(FormatError) {
        var r = FieldReader(body, context: "genesis")
        suite = try r.oneOf("suite", Suite.self)
        ledgerKey = try VerifierKey(parsing: try r.string("ledger_key"), suite: suite)
        adminKey = try VerifierKey(parsing: try r.string("admin_key"), suite: suite)
        try r.finish()
    }
}

// MARK: - signed bodies

/// Fields common to bodies signed by a key: `signer` (key name), `signed_at`, `sig` (base64).
public struct SignerFields: Sendable, Equatable {
    public let signer: String
    public let signedAt: String
    public let signature: [UInt8]

    static func read(_ r: inout FieldReader) throws(FormatError) -> SignerFields {
        let signer = try r.string("signer", VerifierKey.isValidName, expected: "a key name")
        let signedAt = try r.string("signed_at", FieldSyntax.isTimestamp, expected: "a UTC timestamp YYYY-MM-DDTHH:MM:SS.mmmZ")
        let sigText = try r.string("sig")
        guard let sig = Base64.decode(sigText), !sig.isEmpty else { throw FormatError(.badField, "sig: must be non-empty base64") }
        return SignerFields(signer: signer, signedAt: signedAt, signature: sig)
    }
}

/// Body of a `key` entry: an admin enrolls or revokes a key.
public struct KeyBody: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable { case enroll, revoke }

    public let action: Action
    public let key: VerifierKey
    /// Enroll only.
    public let role: Role?
    /// Enroll only: unit codes in ascending order, or `["*"]`.
    public let units: [String]
    /// Revoke only.
    public let reason: String?
    public let signed: SignerFields

    public init(decoding body: JSONObject, suite: Suite) throws(FormatError) {
        var r = FieldReader(body, context: "key")
        action = try r.oneOf("action", Action.self)
        key = try VerifierKey(parsing: try r.string("key"), suite: suite)
        switch action {
        case .enroll:
            role = try r.oneOf("role", Role.self)
            units = try Self.readUnits(&r)
            reason = nil
        case .revoke:
            role = nil
            units = []
            reason = try r.string("reason", { FieldSyntax.isText($0) }, expected: "1–200 characters of text")
        }
        signed = try SignerFields.read(&r)
        try r.finish()
    }

    static func readUnits(_ r: inout FieldReader) throws(FormatError) -> [String] {
        let v = try r.value("units")
        guard case .array(let items) = v, !items.isEmpty else { throw FormatError(.badField, "key.units: must be a non-empty array") }
        var units: [String] = []
        for item in items {
            guard case .string(let u) = item, u == allUnitsScope || FieldSyntax.isToken(u) else {
                throw FormatError(.badField, "key.units: every unit must be a unit code or \"*\"")
            }
            if let last = units.last, !(last < u) { throw FormatError(.badField, "key.units: must be in strictly ascending order") }
            units.append(u)
        }
        if units.contains(allUnitsScope), units.count != 1 { throw FormatError(.badField, "key.units: \"*\" must stand alone") }
        return units
    }

    /// An admin-signed enrolment. Throws for what a verifier would refuse (FORMAT.md §6.2): no units, a unit
    /// that is not a token, `*` beside other units, a key of another suite.
    public static func enroll(_ key: VerifierKey, role: Role, units: [String], origin: String, signedAt: String, admin: NamedSigningKey) throws -> JSONObject {
        let body: JSONObject = [
            "action": "enroll", "key": .string(key.description), "role": .string(role.rawValue),
            "units": .array(Array(Set(units)).sorted().map { .string($0) }),
            "signer": .string(admin.name), "signed_at": .string(signedAt),
        ]
        return try checked(Statement.sign(kind: .key, origin: origin, body: body, with: admin), suite: admin.suite)
    }

    /// An admin-signed revocation. Throws for what a verifier would refuse (e.g. a reason that is not text).
    public static func revoke(_ key: VerifierKey, reason: String, origin: String, signedAt: String, admin: NamedSigningKey) throws -> JSONObject {
        let body: JSONObject = [
            "action": "revoke", "key": .string(key.description), "reason": .string(reason),
            "signer": .string(admin.name), "signed_at": .string(signedAt),
        ]
        return try checked(Statement.sign(kind: .key, origin: origin, body: body, with: admin), suite: admin.suite)
    }

    /// The body, if it decodes as a verifier decodes it: the writer never signs what the verifier refuses.
    static func checked(_ body: JSONObject, suite: Suite) throws(FormatError) -> JSONObject {
        _ = try KeyBody(decoding: body, suite: suite)
        return body
    }
}

/// Body of a `batch` entry: the header of an officer-signed payment batch. The `count` payment entries of the
/// batch follow it immediately.
public struct BatchBody: Sendable, Equatable {
    public static let maxCount: Int64 = 1_000_000

    public let batchID: String
    public let program: String
    public let period: String
    public let unit: String
    public let count: Int64
    public let totalFen: Int64
    /// RFC 6962 root over the payment bodies' leaf hashes H(0x00 || JCS(body)), in index order.
    public let itemRoot: Digest32
    public let signed: SignerFields

    public init(decoding body: JSONObject) throws(FormatError) {
        var r = FieldReader(body, context: "batch")
        batchID = try r.string("batch_id", FieldSyntax.isToken, expected: "1–64 of A–Z a–z 0–9 . _ : / -")
        program = try r.string("program", { FieldSyntax.isText($0) }, expected: "1–200 characters of text")
        period = try r.string("period", FieldSyntax.isPeriod, expected: "YYYY-spring, YYYY-autumn, YYYY-MM or YYYY")
        unit = try r.string("unit", FieldSyntax.isToken, expected: "a unit code")
        count = try r.int("count", min: 1, max: Self.maxCount)
        totalFen = try r.int("total_fen", min: 1)
        itemRoot = try r.digest("item_root")
        signed = try SignerFields.read(&r)
        try r.finish()
    }
}

/// Body of a `payment` entry.
public struct PaymentBody: Sendable, Equatable {
    public let batchID: String
    public let index: Int64
    public let unit: String
    public let schoolCode: String
    public let schoolName: String
    public let program: String
    public let period: String
    public let stage: Stage
    public let grade: String
    public let boarding: Bool
    public let amountFen: Int64
    public let accountType: AccountType
    public let paidDate: String
    /// Commitments by personal field; always includes `id_number` and `name`.
    public let commitments: [PersonalField: Digest32]
    /// Present on a supplementary payment (补发): why the person is paid again for the same programme and period.
    public let supplementary: String?

    public init(decoding body: JSONObject) throws(FormatError) {
        var r = FieldReader(body, context: "payment")
        batchID = try r.string("batch_id", FieldSyntax.isToken, expected: "1–64 of A–Z a–z 0–9 . _ : / -")
        index = try r.int("index", min: 0, max: BatchBody.maxCount - 1)
        unit = try r.string("unit", FieldSyntax.isToken, expected: "a unit code")
        schoolCode = try r.string("school_code", FieldSyntax.isToken, expected: "a school code")
        schoolName = try r.string("school_name", { FieldSyntax.isText($0) }, expected: "1–200 characters of text")
        program = try r.string("program", { FieldSyntax.isText($0) }, expected: "1–200 characters of text")
        period = try r.string("period", FieldSyntax.isPeriod, expected: "YYYY-spring, YYYY-autumn, YYYY-MM or YYYY")
        stage = try r.oneOf("stage", Stage.self)
        grade = try r.string("grade", { FieldSyntax.isText($0, maxScalars: 16) }, expected: "1–16 characters")
        boarding = try r.bool("boarding")
        amountFen = try r.int("amount_fen", min: 1)
        accountType = try r.oneOf("account_type", AccountType.self)
        paidDate = try r.string("paid_date", FieldSyntax.isDate, expected: "a date YYYY-MM-DD")
        let c = try r.value("commit")
        guard case .object(let co) = c else { throw FormatError(.badField, "payment.commit: must be an object") }
        var commitments: [PersonalField: Digest32] = [:]
        for m in co.members {
            guard let field = PersonalField(rawValue: m.key) else { throw FormatError(.badField, "payment.commit: unknown personal field \"\(m.key)\"") }
            guard case .string(let h) = m.value, let d = Digest32(hexString: h) else { throw FormatError(.badField, "payment.commit.\(m.key): must be 64 lowercase hex digits") }
            commitments[field] = d
        }
        for f in PersonalField.required where commitments[f] == nil { throw FormatError(.badField, "payment.commit.\(f.rawValue): missing") }
        self.commitments = commitments
        supplementary = try r.optionalString("supplementary", { FieldSyntax.isText($0) }, expected: "1–200 characters of text")
        try r.finish()
    }
}

/// Body of a `reversal` entry: an officer-signed correction of one earlier payment. The payment is never edited.
public struct ReversalBody: Sendable, Equatable {
    public let target: UInt64
    /// Entry hash of the reversed payment.
    public let targetHash: Digest32
    /// MUST equal the reversed payment's amount.
    public let amountFen: Int64
    public let reason: String
    public let signed: SignerFields

    public init(decoding body: JSONObject) throws(FormatError) {
        var r = FieldReader(body, context: "reversal")
        target = UInt64(try r.int("target", min: 1))
        targetHash = try r.digest("target_hash")
        amountFen = try r.int("amount_fen", min: 1)
        reason = try r.string("reason", { FieldSyntax.isText($0) }, expected: "1–200 characters of text")
        signed = try SignerFields.read(&r)
        try r.finish()
    }

    public static func make(target: UInt64, targetHash: Digest32, amountFen: Int64, reason: String, origin: String, signedAt: String, officer: NamedSigningKey) throws -> JSONObject {
        let body: JSONObject = [
            "target": .int(Int64(target)), "target_hash": .string(targetHash.hex), "amount_fen": .int(amountFen),
            "reason": .string(reason), "signer": .string(officer.name), "signed_at": .string(signedAt),
        ]
        return try Statement.sign(kind: .reversal, origin: origin, body: body, with: officer)
    }
}

/// Body of an `erase` entry: an admin records that the openings of some personal fields of one payment are
/// erased (retention end, legal order). The chain is unchanged; only openings are deleted, after this entry.
public struct EraseBody: Sendable, Equatable {
    public let target: UInt64
    /// Personal field names in ascending order.
    public let fields: [PersonalField]
    public let reason: String
    public let signed: SignerFields

    public init(decoding body: JSONObject) throws(FormatError) {
        var r = FieldReader(body, context: "erase")
        target = UInt64(try r.int("target", min: 1))
        let v = try r.value("fields")
        guard case .array(let items) = v, !items.isEmpty else { throw FormatError(.badField, "erase.fields: must be a non-empty array") }
        var fields: [PersonalField] = []
        for item in items {
            guard case .string(let s) = item, let f = PersonalField(rawValue: s) else { throw FormatError(.badField, "erase.fields: every item must be a personal field name") }
            if let last = fields.last, !(last < f) { throw FormatError(.badField, "erase.fields: must be in strictly ascending order") }
            fields.append(f)
        }
        self.fields = fields
        reason = try r.string("reason", { FieldSyntax.isText($0) }, expected: "1–200 characters of text")
        signed = try SignerFields.read(&r)
        try r.finish()
    }

    public static func make(target: UInt64, fields: [PersonalField], reason: String, origin: String, signedAt: String, admin: NamedSigningKey) throws -> JSONObject {
        let body: JSONObject = [
            "target": .int(Int64(target)), "fields": .array(Array(Set(fields)).sorted().map { .string($0.rawValue) }),
            "reason": .string(reason), "signer": .string(admin.name), "signed_at": .string(signedAt),
        ]
        return try Statement.sign(kind: .erase, origin: origin, body: body, with: admin)
    }
}
