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

/// A payment batch prepared and signed on the officer's side, ready to append: the `batch` body, the `payment`
/// bodies in index order, and the openings of every commitment (by payment index).
public struct PreparedBatch: Sendable {
    public struct PendingOpening: Sendable, Equatable {
        public let index: Int
        public let field: PersonalField
        public let salt: [UInt8]
        public let value: String
    }

    public let header: JSONObject
    public let payments: [JSONObject]
    /// Canonical bytes of each payment body (the item leaves are H(0x00 || these)).
    public let paymentBytes: [[UInt8]]
    public let openings: [PendingOpening]
    public let itemRoot: Digest32

    /// Openings with their final seqs, once the batch header has been appended at `headerSeq`.
    public func openings(headerSeq: UInt64) -> [Opening] {
        openings.map { Opening(seq: headerSeq + 1 + UInt64($0.index), field: $0.field.rawValue, salt: $0.salt, value: $0.value) }
    }
}

public enum BatchBuilder {
    /// Builds and signs a batch. Salts come from `salts` (16 bytes per commitment, consumed in order), so that
    /// callers choose the randomness source; use `secureRandomBytes` in production.
    public static func prepare(batchID: String, program: String, period: String, unit: String, items: [PaymentInput],
                               origin: String, signedAt: String, officer: NamedSigningKey,
                               salts: [UInt8]? = nil) throws -> PreparedBatch {
        precondition(!items.isEmpty, "a batch has at least one payment")
        let hash = officer.suite.makeHashFunction()
        let commitmentCount = items.reduce(0) { $0 + $1.personal.count }
        let saltBytes = try salts ?? secureRandomBytes(commitmentCount * Commitment.saltLength)
        precondition(saltBytes.count >= commitmentCount * Commitment.saltLength, "not enough salt bytes")
        var saltOffset = 0
        var payments: [JSONObject] = []
        var paymentBytes: [[UInt8]] = []
        var openings: [PreparedBatch.PendingOpening] = []
        payments.reserveCapacity(items.count)
        var leaves = MerkleFrontier()
        var total: Int64 = 0
        for (index, item) in items.enumerated() {
            var commit = JSONObject()
            for field in item.personal.keys.sorted() {
                let value = item.personal[field]!
                let salt = Array(saltBytes[saltOffset..<(saltOffset + Commitment.saltLength)])
                saltOffset += Commitment.saltLength
                commit.members.append((key: field.rawValue, value: .string(Commitment.compute(field: field.rawValue, salt: salt, value: value, hash: hash).hex)))
                openings.append(.init(index: index, field: field, salt: salt, value: value))
            }
            let body: JSONObject = [
                "account_type": .string(item.accountType.rawValue),
                "amount_fen": .int(item.amountFen),
                "batch_id": .string(batchID),
                "boarding": .bool(item.boarding),
                "commit": .object(commit),
                "grade": .string(item.grade),
                "index": .int(Int64(index)),
                "paid_date": .string(item.paidDate),
                "period": .string(period),
                "program": .string(program),
                "school_code": .string(item.schoolCode),
                "school_name": .string(item.schoolName),
                "stage": .string(item.stage.rawValue),
                "unit": .string(item.unit),
            ]
            let bytes = CanonicalJSON.encode(.object(body))
            leaves.append(bytes.withUnsafeBytes { hash.hash(prefix: MerkleTree.leafPrefix, $0) }, hash: hash)
            payments.append(body)
            paymentBytes.append(bytes)
            total += item.amountFen
        }
        let itemRoot = leaves.root(hash: hash)
        let header: JSONObject = [
            "batch_id": .string(batchID), "program": .string(program), "period": .string(period), "unit": .string(unit),
            "count": .int(Int64(items.count)), "total_fen": .int(total), "item_root": .string(itemRoot.hex),
            "signer": .string(officer.name), "signed_at": .string(signedAt),
        ]
        let signed = try Statement.sign(kind: .batch, origin: origin, body: header, with: officer)
        return PreparedBatch(header: signed, payments: payments, paymentBytes: paymentBytes, openings: openings, itemRoot: itemRoot)
    }
}
