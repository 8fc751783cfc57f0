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
    /// Personal values by field; `id_number` and `name` are required. Never logged.
    public var personal: [PersonalField: String]

    public init(unit: String, schoolCode: String, schoolName: String, stage: Stage, grade: String, boarding: Bool,
                amountFen: Int64, accountType: AccountType, paidDate: String, personal: [PersonalField: String]) {
        self.unit = unit
        self.schoolCode = schoolCode
        self.schoolName = schoolName
        self.stage = stage
        self.grade = grade
        self.boarding = boarding
        self.amountFen = amountFen
        self.accountType = accountType
        self.paidDate = paidDate
        self.personal = personal
    }
}

/// A payment batch prepared and signed on the officer's side, ready to append: the `batch` body, the canonical
/// bytes of the `payment` bodies in index order, and the openings of every commitment (by payment index).
public struct PreparedBatch: Sendable {
    public struct PendingOpening: Sendable, Equatable {
        public let index: Int
        public let field: PersonalField
        /// Offset of this commitment's 16-byte salt in `salts`.
        public let saltOffset: Int
        public let value: String
    }

    public let header: JSONObject
    /// Canonical bytes of each payment body (the item leaves are H(0x00 || these)).
    public let paymentBytes: [[UInt8]]
    public let openings: [PendingOpening]
    public let salts: [UInt8]
    public let itemRoot: Digest32

    /// Openings with their final seqs, once the batch header has been appended at `headerSeq`.
    public func openings(headerSeq: UInt64) -> [Opening] {
        openings.map {
            Opening(seq: headerSeq + 1 + UInt64($0.index), field: $0.field.rawValue,
                    salt: Array(salts[$0.saltOffset..<($0.saltOffset + Commitment.saltLength)]), value: $0.value)
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
        precondition(!items.isEmpty, "a batch has at least one payment")
        let hash = officer.suite.makeHashFunction()
        let commitmentCount = items.reduce(0) { $0 + $1.personal.count }
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
        try saltBytes.withUnsafeBytes { allSalts in
            for (index, item) in items.enumerated() {
                commitments.removeAll(keepingCapacity: true)
                for field in fieldsInKeyOrder {
                    guard let value = item.personal[field] else { continue }
                    let salt = UnsafeRawBufferPointer(rebasing: allSalts[saltOffset..<(saltOffset + Commitment.saltLength)])
                    commitments.append((field, Commitment.compute(field: field.rawValue, salt: salt, value: value, hash: hash)))
                    openings.append(.init(index: index, field: field, saltOffset: saltOffset, value: value))
                    saltOffset += Commitment.saltLength
                }
                for required in PersonalField.required where item.personal[required] == nil {
                    throw FormatError(.badField, "payment \(index): personal field \(required.rawValue) is required")
                }
                let bytes = PaymentBodyEncoding.encode(item, batchID: batchID, index: index, program: program, period: period, commitments: commitments)
                leaves.append(bytes.withUnsafeBytes { hash.hash(prefix: MerkleTree.leafPrefix, $0) }, hash: hash)
                paymentBytes.append(bytes)
                total += item.amountFen
            }
        }
        let itemRoot = leaves.root(hash: hash)
        let header: JSONObject = [
            "batch_id": .string(batchID), "program": .string(program), "period": .string(period), "unit": .string(unit),
            "count": .int(Int64(items.count)), "total_fen": .int(total), "item_root": .string(itemRoot.hex),
            "signer": .string(officer.name), "signed_at": .string(signedAt),
        ]
        let signed = try Statement.sign(kind: .batch, origin: origin, body: header, with: officer)
        return PreparedBatch(header: signed, paymentBytes: paymentBytes, openings: openings, salts: saltBytes, itemRoot: itemRoot)
    }
}

/// The canonical bytes of a payment body, written directly in JCS key order (the append hot path). Equal to
/// `CanonicalJSON.encode` of the same object; a test checks that.
public enum PaymentBodyEncoding {
    public static func encode(_ item: PaymentInput, batchID: String, index: Int, program: String, period: String,
                              commitments: [(PersonalField, Digest32)]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(360 + commitments.count * 90)
        out.append(contentsOf: #"{"account_type":"#.utf8)
        CanonicalJSON.appendString(item.accountType.rawValue, into: &out)
        out.append(contentsOf: #","amount_fen":"#.utf8)
        CanonicalJSON.appendInteger(item.amountFen, into: &out)
        out.append(contentsOf: #","batch_id":"#.utf8)
        CanonicalJSON.appendString(batchID, into: &out)
        out.append(contentsOf: item.boarding ? #","boarding":true,"commit":{"#.utf8 : #","boarding":false,"commit":{"#.utf8)
        for (i, (field, digest)) in commitments.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            CanonicalJSON.appendString(field.rawValue, into: &out)
            out.append(contentsOf: #":""#.utf8)
            digest.withUnsafeBytes { raw in
                for b in raw { out.append(CanonicalJSON.hexDigits[Int(b >> 4)]); out.append(CanonicalJSON.hexDigits[Int(b & 0xf)]) }
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(contentsOf: #"},"grade":"#.utf8)
        CanonicalJSON.appendString(item.grade, into: &out)
        out.append(contentsOf: #","index":"#.utf8)
        CanonicalJSON.appendInteger(Int64(index), into: &out)
        out.append(contentsOf: #","paid_date":"#.utf8)
        CanonicalJSON.appendString(item.paidDate, into: &out)
        out.append(contentsOf: #","period":"#.utf8)
        CanonicalJSON.appendString(period, into: &out)
        out.append(contentsOf: #","program":"#.utf8)
        CanonicalJSON.appendString(program, into: &out)
        out.append(contentsOf: #","school_code":"#.utf8)
        CanonicalJSON.appendString(item.schoolCode, into: &out)
        out.append(contentsOf: #","school_name":"#.utf8)
        CanonicalJSON.appendString(item.schoolName, into: &out)
        out.append(contentsOf: #","stage":"#.utf8)
        CanonicalJSON.appendString(item.stage.rawValue, into: &out)
        out.append(contentsOf: #","unit":"#.utf8)
        CanonicalJSON.appendString(item.unit, into: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The same body as a JSON object, for the generic path and tests.
    public static func object(_ item: PaymentInput, batchID: String, index: Int, program: String, period: String,
                              commitments: [(PersonalField, Digest32)]) -> JSONObject {
        [
            "account_type": .string(item.accountType.rawValue), "amount_fen": .int(item.amountFen), "batch_id": .string(batchID),
            "boarding": .bool(item.boarding),
            "commit": .object(JSONObject(commitments.map { (key: $0.0.rawValue, value: .string($0.1.hex)) })),
            "grade": .string(item.grade), "index": .int(Int64(index)), "paid_date": .string(item.paidDate), "period": .string(period),
            "program": .string(program), "school_code": .string(item.schoolCode), "school_name": .string(item.schoolName),
            "stage": .string(item.stage.rawValue), "unit": .string(item.unit),
        ]
    }
}
