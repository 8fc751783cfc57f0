import LedgerCrypto
/// One payment row as an officer prepares it: clear fields and the personal values to commit to.
public struct PaymentInput: Sendable, Equatable {
    public var unit: String
    public var schoolCode: String
    public var schoolName: String
    public var stage: Stage
    public var grade: String
    public var boarding: Bool
    public var amountFen: Int64
    public var accountType: AccountType
    public var paidDate: String
    /// Personal values in `PersonalField.allCases` order (nil: absent). Never logged.
    public var personalValues: [String?]
    /// Why this payment is a supplementary payment (补发) to a person already paid for the same programme and
    /// period; nil for an ordinary payment. Recorded in the payment body (`supplementary`, FORMAT.md §7.5).
    public var supplementaryReason: String? = nil

    /// Personal values by field; `id_number` and `name` are required. Never logged.
    public var personal: [PersonalField: String] {
        get {
            var out: [PersonalField: String] = [:]
            for (i, f) in PersonalField.allCases.enumerated() { if let v = personalValues[i] { out[f] = v } }
            return out
        }
        set { personalValues = PersonalField.allCases.map { newValue[$0] } }
    }

    public func value(_ field: PersonalField) -> String? { personalValues[field.ordinal] }

    public init(unit: String, schoolCode: String, schoolName: String, stage: Stage, grade: String, boarding: Bool,
                amountFen: Int64, accountType: AccountType, paidDate: String, personal: [PersonalField: String]) {
        self.init(unit: unit, schoolCode: schoolCode, schoolName: schoolName, stage: stage, grade: grade, boarding: boarding, amountFen: amountFen,
                  accountType: accountType, paidDate: paidDate, personalValues: PersonalField.allCases.map { personal[$0] })
    }

    /// `personalValues` in `PersonalField.allCases` order (the importer's hot path: no dictionary).
    public init(unit: String, schoolCode: String, schoolName: String, stage: Stage, grade: String, boarding: Bool,
                amountFen: Int64, accountType: AccountType, paidDate: String, personalValues: [String?]) {
        precondition(personalValues.count == PersonalField.allCases.count)
        self.unit = unit
        self.schoolCode = schoolCode
        self.schoolName = schoolName
        self.stage = stage
        self.grade = grade
        self.boarding = boarding
        self.amountFen = amountFen
        self.accountType = accountType
        self.paidDate = paidDate
        self.personalValues = personalValues
    }
}

/// A payment batch prepared and signed on the officer's side, ready to append: the `batch` body, the canonical
/// bytes of the `payment` bodies in index order, and the openings of every commitment (by payment index).
public struct PreparedBatch: Sendable {
    public struct PendingOpening: Sendable, Equatable {
        /// Index of the payment in the batch (and in `items`).
        public let index: Int32
        public let field: PersonalField
        /// Offset of this commitment's 16-byte salt in `salts`.
        public let saltOffset: Int32
    }

    public let header: JSONObject
    /// The header's fields, decoded once.
    public let body: BatchBody
    /// The officer's rows, which hold the opened values.
    public let items: [PaymentInput]
    /// Canonical bytes of each payment body (the item leaves are H(0x00 || these)).
    public let paymentBytes: [[UInt8]]
    public let openings: [PendingOpening]
    public let salts: [UInt8]
    public let itemRoot: Digest32

    /// Openings with their final seqs, once the batch header has been appended at `headerSeq`.
    public func openings(headerSeq: UInt64) -> [Opening] {
        openings.map {
            Opening(seq: headerSeq + 1 + UInt64($0.index), field: $0.field.rawValue,
                    salt: Array(salts[Int($0.saltOffset)..<(Int($0.saltOffset) + Commitment.saltLength)]),
                    value: items[Int($0.index)].personalValues[$0.field.ordinal]!)
        }
    }

    /// The payment bodies as JSON objects (decoded from their canonical bytes).
    public var paymentBodies: [JSONObject] {
        paymentBytes.map { (try? JSONParser.parse($0, mode: .canonical))?.objectValue ?? JSONObject() }
    }
}

public enum BatchBuilder {
    /// Personal fields in canonical (JCS) key order.
    static let fieldsInKeyOrder = PersonalField.allCases.sorted()

    /// Builds and signs a batch. Salts come from `salts` (16 bytes per commitment, consumed in order), so that
    /// callers choose the randomness source; by default they come from OpenSSL's CSPRNG.
    public static func prepare(batchID: String, program: String, period: String, unit: String, items: [PaymentInput],
                               origin: String, signedAt: String, officer: NamedSigningKey,
                               salts: [UInt8]? = nil) throws -> PreparedBatch {
        let built = try assemble(batchID: batchID, program: program, period: period, unit: unit, items: items, suite: officer.suite,
                                 signer: officer.name, signedAt: signedAt, salts: salts)
        let signed = try Statement.sign(kind: .batch, origin: origin, body: built.header, with: officer)
        return PreparedBatch(header: signed, body: try BatchBody(decoding: signed), items: items, paymentBytes: built.paymentBytes, openings: built.openings, salts: built.salts, itemRoot: built.itemRoot)
    }

    /// Rebuilds a batch that an officer prepared and signed elsewhere, from its signed header, its rows and their
    /// salts, and checks that the header describes exactly these rows (batch id, programme, period, unit, count,
    /// total, item root). The signature itself is checked against the ledger's key state when it is appended.
    public static func rebuild(signedHeader: JSONObject, items: [PaymentInput], salts: [UInt8], suite: Suite) throws -> PreparedBatch {
        let claimed = try BatchBody(decoding: signedHeader)
        guard !items.isEmpty else { throw FormatError(.badField, "a batch has at least one payment") }
        let expectedSalts = items.reduce(0) { n, item in n + item.personalValues.reduce(0) { $0 + ($1 == nil ? 0 : 1) } } * Commitment.saltLength
        guard salts.count == expectedSalts else {
            throw FormatError(.badField, "the batch has \(expectedSalts / Commitment.saltLength) personal values but \(salts.count / Commitment.saltLength) salts")
        }
        let built = try assemble(batchID: claimed.batchID, program: claimed.program, period: claimed.period, unit: claimed.unit, items: items,
                                 suite: suite, signer: claimed.signed.signer, signedAt: claimed.signed.signedAt, salts: salts)
        var unsigned = signedHeader
        unsigned["sig"] = nil
        guard unsigned == built.header else {
            let differing = built.header.members.filter { unsigned[$0.key] != $0.value }.map(\.key) + unsigned.members.filter { built.header[$0.key] == nil }.map(\.key)
            throw FormatError(.badField, "the signed batch header does not describe these rows (differs in \(differing.sorted().joined(separator: ", ")))")
        }
        return PreparedBatch(header: signedHeader, body: claimed, items: items, paymentBytes: built.paymentBytes, openings: built.openings, salts: built.salts, itemRoot: built.itemRoot)
    }

    /// The unsigned header, payment bodies and openings of a batch.
    static func assemble(batchID: String, program: String, period: String, unit: String, items: [PaymentInput], suite: Suite,
                         signer: String, signedAt: String, salts: [UInt8]?) throws -> (header: JSONObject, paymentBytes: [[UInt8]], openings: [PreparedBatch.PendingOpening], salts: [UInt8], itemRoot: Digest32) {
        precondition(!items.isEmpty, "a batch has at least one payment")
        // Refuse here what a verifier would refuse in the entries (FORMAT.md §6.3, §6.4), before anything is signed.
        func refuse(_ why: String) -> FormatError { FormatError(.badField, why) }
        guard FieldSyntax.isToken(batchID) else { throw refuse("batch id: must be 1–64 of A–Z a–z 0–9 . _ : / -") }
        guard FieldSyntax.isText(program) else { throw refuse("program: must be 1–200 characters of text") }
        guard FieldSyntax.isPeriod(period) else { throw refuse("period: must be YYYY-spring, YYYY-autumn, YYYY-MM (month 01–12) or YYYY, year 1900–2999") }
        guard FieldSyntax.isToken(unit) else { throw refuse("unit: must be a unit code (a token)") }
        guard Int64(items.count) <= BatchBody.maxCount else { throw refuse("a batch has at most \(BatchBody.maxCount) payments") }
        let hash = suite.makeHashFunction()
        let commitmentCount = items.reduce(0) { n, item in n + item.personalValues.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }
        let saltBytes = try salts ?? secureRandomBytes(commitmentCount * Commitment.saltLength)
        precondition(saltBytes.count >= commitmentCount * Commitment.saltLength, "not enough salt bytes")
        var saltOffset = 0
        var paymentBytes: [[UInt8]] = []
        var openings: [PreparedBatch.PendingOpening] = []
        paymentBytes.reserveCapacity(items.count)
        openings.reserveCapacity(commitmentCount)
        var leaves = MerkleFrontier()
        var total: Int64 = 0
        var commitments: [(PersonalField, Digest32)] = []
        commitments.reserveCapacity(PersonalField.allCases.count)
        let committer = Committer(hash: hash)
        try saltBytes.withUnsafeBytes { allSalts in
            for (index, item) in items.enumerated() {
                commitments.removeAll(keepingCapacity: true)
                for field in fieldsInKeyOrder {
                    guard let value = item.personalValues[field.ordinal] else { continue }
                    let salt = UnsafeRawBufferPointer(rebasing: allSalts[saltOffset..<(saltOffset + Commitment.saltLength)])
                    commitments.append((field, committer.commit(field: field, salt: salt, value: value)))
                    openings.append(.init(index: Int32(index), field: field, saltOffset: Int32(saltOffset)))
                    saltOffset += Commitment.saltLength
                }
                for required in PersonalField.required where item.personalValues[required.ordinal] == nil {
                    throw FormatError(.badField, "payment \(index): personal field \(required.rawValue) is required")
                }
                guard item.unit == unit else { throw refuse("payment \(index): unit differs from the batch's unit") }
                guard FieldSyntax.isToken(item.schoolCode) else { throw refuse("payment \(index): school code must be a token") }
                guard FieldSyntax.isText(item.schoolName) else { throw refuse("payment \(index): school name must be 1–200 characters of text") }
                guard FieldSyntax.isText(item.grade, maxScalars: 16) else { throw refuse("payment \(index): grade must be 1–16 characters of text") }
                guard FieldSyntax.isDate(item.paidDate) else { throw refuse("payment \(index): paid date must be a date YYYY-MM-DD, year 1900–2999") }
                guard item.amountFen >= 1, item.amountFen <= JSONValue.maxSafeInteger else { throw refuse("payment \(index): amount must be 1 … 2^53−1 fen") }
                if let reason = item.supplementaryReason, !FieldSyntax.isText(reason) { throw refuse("payment \(index): the supplementary reason must be 1–200 characters of text") }
                let bytes = PaymentBodyEncoding.encode(item, batchID: batchID, index: index, program: program, period: period, commitments: commitments)
                leaves.append(bytes.withUnsafeBytes { hash.hash(prefix: MerkleTree.leafPrefix, $0) }, hash: hash)
                paymentBytes.append(bytes)
                let (sum, overflow) = total.addingReportingOverflow(item.amountFen)
                guard !overflow, sum <= JSONValue.maxSafeInteger else { throw refuse("the batch's total passes 2^53−1 fen") }
                total = sum
            }
        }
        let itemRoot = leaves.root(hash: hash)
        let header: JSONObject = [
            "batch_id": .string(batchID), "program": .string(program), "period": .string(period), "unit": .string(unit),
            "count": .int(Int64(items.count)), "total_fen": .int(total), "item_root": .string(itemRoot.hex),
            "signer": .string(signer), "signed_at": .string(signedAt),
        ]
        return (header, paymentBytes, openings, saltBytes, itemRoot)
    }
}

/// The canonical bytes of a payment body, written directly in JCS key order (the append hot path). Equal to
/// `CanonicalJSON.encode` of the same object; a test checks that.
public enum PaymentBodyEncoding {
    public static func encode(_ item: PaymentInput, batchID: String, index: Int, program: String, period: String,
                              commitments: [(PersonalField, Digest32)]) -> [UInt8] {
        let capacity = 400 + commitments.count * 90 + ByteWriter.stringBound(batchID) + ByteWriter.stringBound(item.grade)
            + ByteWriter.stringBound(item.paidDate) + ByteWriter.stringBound(period) + ByteWriter.stringBound(program)
            + ByteWriter.stringBound(item.schoolCode) + ByteWriter.stringBound(item.schoolName) + ByteWriter.stringBound(item.unit)
            + (item.supplementaryReason.map { 20 + ByteWriter.stringBound($0) } ?? 0)
        return ByteWriter.build(capacity: capacity) { w in
            w.literal(#"{"account_type":""#)
            w.literal(item.accountType.literal)
            w.byte(UInt8(ascii: "\""))
            w.literal(#","amount_fen":"#)
            w.integer(item.amountFen)
            w.literal(#","batch_id":"#)
            w.string(batchID)
            if item.boarding { w.literal(#","boarding":true,"commit":{"#) } else { w.literal(#","boarding":false,"commit":{"#) }
            for (i, (field, digest)) in commitments.enumerated() {
                if i > 0 { w.byte(UInt8(ascii: ",")) }
                w.byte(UInt8(ascii: "\""))
                w.literal(field.literal)
                w.literal(#"":""#)
                w.hex(digest)
                w.byte(UInt8(ascii: "\""))
            }
            w.literal(#"},"grade":"#)
            w.string(item.grade)
            w.literal(#","index":"#)
            w.integer(Int64(index))
            w.literal(#","paid_date":"#)
            w.string(item.paidDate)
            w.literal(#","period":"#)
            w.string(period)
            w.literal(#","program":"#)
            w.string(program)
            w.literal(#","school_code":"#)
            w.string(item.schoolCode)
            w.literal(#","school_name":"#)
            w.string(item.schoolName)
            w.literal(#","stage":""#)
            w.literal(item.stage.literal)
            w.byte(UInt8(ascii: "\""))
            if let reason = item.supplementaryReason {
                w.literal(#","supplementary":"#)
                w.string(reason)
            }
            w.literal(#","unit":"#)
            w.string(item.unit)
            w.byte(UInt8(ascii: "}"))
        }
    }

    /// The same body as a JSON object, for the generic path and tests.
    public static func object(_ item: PaymentInput, batchID: String, index: Int, program: String, period: String,
                              commitments: [(PersonalField, Digest32)]) -> JSONObject {
        var o: JSONObject = [
            "account_type": .string(item.accountType.rawValue), "amount_fen": .int(item.amountFen), "batch_id": .string(batchID),
            "boarding": .bool(item.boarding),
            "commit": .object(JSONObject(commitments.map { (key: $0.0.rawValue, value: .string($0.1.hex)) })),
            "grade": .string(item.grade), "index": .int(Int64(index)), "paid_date": .string(item.paidDate), "period": .string(period),
            "program": .string(program), "school_code": .string(item.schoolCode), "school_name": .string(item.schoolName),
            "stage": .string(item.stage.rawValue), "unit": .string(item.unit),
        ]
        if let reason = item.supplementaryReason { o["supplementary"] = .string(reason) }
        return o
    }
}

/// Computes commitments with one digest update each: the message is assembled in a reused buffer, and the
/// per-field prefix `"aidledger/v1/commit" || 0x00 || field || 0x00` is written once per field.
struct Committer {
    let hash: HashFunction

    init(hash: HashFunction) { self.hash = hash }

    func commit(field: PersonalField, salt: UnsafeRawBufferPointer, value: String) -> Digest32 {
        var v = value
        return v.withUTF8 { u in
            let prefix = field.literal
            let n = Commitment.domain.count + 2 + prefix.utf8CodeUnitCount + salt.count + u.count
            return withUnsafeTemporaryAllocation(byteCount: n, alignment: 8) { buffer in
                var w = ByteWriter(pointer: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), capacity: n)
                w.literal("aidledger/v1/commit")
                w.byte(0)
                w.literal(prefix)
                w.byte(0)
                w.raw(salt)
                w.raw(UnsafeRawBufferPointer(u))
                return hash.hash(UnsafeRawBufferPointer(buffer))
            }
        }
    }
}
