import LedgerCrypto

/// A signed body as submitted: the JSON object exactly as signed (it becomes the entry's body) and its fields,
/// decoded once.
public struct SignedBody<Fields: Sendable>: Sendable {
    public let json: JSONObject
    public let fields: Fields

    public init(json: JSONObject, fields: Fields) {
        self.json = json
        self.fields = fields
    }
}

/// Something an officer or an admin asks to append: it becomes entries only if the admission decision
/// (`Admission`) admits it on the locked head. Every append goes through `LedgerStore.append`, which takes a group
/// of these.
public enum Submission: Sendable {
    /// An officer-signed payment batch (header and payments) with the payments' claims (`PaymentClaims`), which
    /// let the admission refuse a person paid twice for the same programme and period.
    case batch(PreparedBatch, claims: PaymentClaims)
    /// An officer-signed reversal of one payment.
    case reversal(SignedBody<ReversalBody>)
    /// An admin-signed enrolment or revocation.
    case key(SignedBody<KeyBody>)
    /// An admin-signed erasure of openings (the openings are deleted in the same transaction).
    case erase(SignedBody<EraseBody>)
    /// The access log's head, committed by the ledger itself (not signed by a person): added by the store to an
    /// append when reads were recorded since the last one.
    case accessLog(AccessLogBody)
    /// An inspector-signed anchor of a cross-county report.
    case crosscheck(SignedBody<CrossCheckBody>)
    /// An inspector-signed disposition of one finding.
    case disposition(SignedBody<DispositionBody>)
    /// A published 公示 export, recorded by the ledger itself (not signed by a person, like `accessLog`): the
    /// digest of its signed manifest and the tree it was derived from.
    case disclosure(DisclosureBody)

    public static func reversal(_ json: JSONObject) throws(FormatError) -> Submission {
        .reversal(SignedBody(json: json, fields: try ReversalBody(decoding: json)))
    }
    public static func key(_ json: JSONObject, suite: Suite) throws(FormatError) -> Submission {
        .key(SignedBody(json: json, fields: try KeyBody(decoding: json, suite: suite)))
    }
    public static func erase(_ json: JSONObject) throws(FormatError) -> Submission {
        .erase(SignedBody(json: json, fields: try EraseBody(decoding: json)))
    }
    public static func crosscheck(_ json: JSONObject) throws(FormatError) -> Submission {
        .crosscheck(SignedBody(json: json, fields: try CrossCheckBody(decoding: json)))
    }
    public static func disposition(_ json: JSONObject) throws(FormatError) -> Submission {
        .disposition(SignedBody(json: json, fields: try DispositionBody(decoding: json)))
    }

    public var kind: EntryKind {
        switch self {
        case .batch: .batch
        case .reversal: .reversal
        case .key: .key
        case .erase: .erase
        case .accessLog: .access
        case .crosscheck: .crosscheck
        case .disposition: .disposition
        case .disclosure: .disclosure
        }
    }

    /// How many entries it becomes.
    public var entryCount: Int {
        if case .batch(let b, _) = self { return b.paymentBytes.count + 1 }
        return 1
    }

    /// The body of its first entry.
    public var body: JSONObject {
        switch self {
        case .batch(let b, _): b.header
        case .reversal(let r): r.json
        case .key(let k): k.json
        case .erase(let e): e.json
        case .accessLog(let a): a.json
        case .crosscheck(let c): c.json
        case .disposition(let d): d.json
        case .disclosure(let d): d.json
        }
    }

    /// The batch id, for batches.
    public var batchID: String? {
        if case .batch(let b, _) = self { return b.body.batchID }
        return nil
    }
}
