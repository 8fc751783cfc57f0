import Foundation
import LedgerCore
import LedgerCrypto
import LedgerImport
import LedgerStore

/// Appending what officers and admins sign, through the store's one append path and its admission decision.
/// `aidledger import/reverse/keys/erase` and the daemon's first start use it; the daemon's writer calls
/// `LedgerStore.append` with whole groups.
public enum Submissions {
    /// Appends one submission (a group of one). A refusal is a `ServiceError` whose code is the admission's.
    public static func append(_ store: LedgerStore, _ ledger: LedgerRecord, _ submission: Submission, time: String,
                              ledgerKey: NamedSigningKey) throws -> (receipt: Receipt, duplicate: Bool) {
        switch try store.append(ledger, [submission], time: time, ledgerKey: ledgerKey)[0] {
        case .appended(let receipt): return (receipt, false)
        case .duplicate(let receipt): return (receipt, true)
        case .refused(let refusal): throw ServiceError("refused, nothing written: \(refusal.message)", code: refusal.code)
        }
    }

    /// Prepares and signs a batch of `file`'s rows by `officer` and appends it.
    public static func importBatch(_ store: LedgerStore, _ ledger: LedgerRecord, file: PaymentFile, batchID: String, officer: NamedSigningKey,
                                   ledgerKey: NamedSigningKey, personKeys: PersonKeys) throws -> (batch: PreparedBatch, receipt: Receipt, duplicate: Bool) {
        guard officer.suite == ledger.suite else {
            throw ServiceError("the officer key is \(officer.suite.rawValue), the ledger is \(ledger.suite.rawValue)", code: "suite-mismatch")
        }
        let now = nowTimestamp()
        let prepared = try BatchBuilder.prepare(batchID: batchID, program: file.program, period: file.period, unit: file.unit, items: file.items,
                                                origin: ledger.origin, signedAt: now, officer: officer)
        let result = try append(store, ledger, .batch(prepared, claims: personKeys.claims(for: prepared)), time: now, ledgerKey: ledgerKey)
        return (prepared, result.receipt, result.duplicate)
    }

    /// Reverses payment `seq`, signed by `officer`, with a public reason.
    public static func reverse(_ store: LedgerStore, _ ledger: LedgerRecord, seq: UInt64, reason: String, officer: NamedSigningKey,
                               ledgerKey: NamedSigningKey) throws -> (receipt: Receipt, amountFen: Int64) {
        guard FieldSyntax.isText(reason) else { throw ServiceError("the reason must be 1–200 characters without control characters", code: "bad-reason") }
        guard let target = try store.entry(ledger, seq: seq), let entry = try? Entry(decoding: target.bytes), entry.kind == .payment,
              let payment = try? PaymentBody(decoding: entry.body) else {
            throw ServiceError("seq \(seq) is not a payment of \(ledger.origin)", code: "reversal-target")
        }
        let now = nowTimestamp()
        let body = try ReversalBody.make(target: seq, targetHash: target.hash, amountFen: payment.amountFen, reason: reason,
                                         origin: ledger.origin, signedAt: now, officer: officer)
        return (try append(store, ledger, try .reversal(body), time: now, ledgerKey: ledgerKey).receipt, payment.amountFen)
    }
}

/// An officer's payment-batch file and the batch id it gets: shared by `aidledger import` and `submit`.
public struct BatchFile {
    public let path: String
    public let bytes: [UInt8]
    public let parsed: PaymentFile
    public let batchID: String

    /// Reads and validates `path`. A file with any bad row is rejected whole: the error lists every problem as
    /// `file:line:column: field: why` and says `whatHappens` (e.g. "nothing written"). The batch id defaults to
    /// `<unit>-<period>-<first 12 hex digits of SHA-256 of the file>`.
    /// Dates are checked against `plausibility` at the current time (no birth date after today, no `paid_date`
    /// beyond the tolerance).
    public init(path: String, batchID: String?, ignoreUnknownColumns: Bool, whatHappens: String, plausibility: PlausibilityPolicy = PlausibilityPolicy()) throws {
        let data = try Files.read(path)
        let parsed: PaymentFile
        let limits = plausibility.dateLimits(now: nowTimestamp())
        do { parsed = try data.withUnsafeBytes { raw in try PaymentCSV.read(raw, file: path, dateLimits: limits, ignoreUnknownColumns: ignoreUnknownColumns) } } catch let rejection as PaymentCSV.Rejection {
            throw ServiceError("\(path) rejected, \(whatHappens) (\(rejection.errors.count)\(rejection.truncated ? "+" : "") problem\(rejection.errors.count == 1 ? "" : "s")):\n" + rejection.description,
                               code: "invalid-rows")
        }
        let digest = try HashFunction(.sha256).hash(Array(data)).hex
        let id = batchID ?? "\(parsed.unit)-\(parsed.period)-\(digest.prefix(12))"
        guard FieldSyntax.isToken(id) else { throw ServiceError("the batch id must be 1–64 of A–Z a–z 0–9 . _ : / -", code: "bad-batch-id") }
        self.path = path
        self.bytes = Array(data)
        self.parsed = parsed
        self.batchID = id
    }
}

/// The person-key secret's file, `person-key.secret` in the key directory (mode 0600, 64 hex digits): held by
/// whoever appends payment batches (the CLI's key directory, the daemon's `key_dir`), like the ledger key.
public enum PersonKeyFile {
    public static let name = "person-key.secret"

    public static func read(directory: String) throws -> PersonKeySecret {
        let path = directory + "/" + name
        guard FileManager.default.fileExists(atPath: path) else {
            throw ServiceError("\(path) is missing: appending payments needs the person-key secret (created by `aidledger init`; copy it with the ledger key)",
                               code: "person-key-missing")
        }
        guard let secret = PersonKeySecret(fileText: String(decoding: try Files.read(path), as: UTF8.self)) else {
            throw ServiceError("\(path) is not a person-key secret (64 hex digits)", code: "person-key-file")
        }
        return secret
    }

    /// Reads the secret, creating it first if the directory has none.
    public static func loadOrCreate(directory: String) throws -> PersonKeySecret {
        let path = directory + "/" + name
        if FileManager.default.fileExists(atPath: path) { return try read(directory: directory) }
        try Files.makeDirectory(directory, mode: 0o700)
        let secret = try PersonKeySecret.generate()
        try Files.write(path, Array(secret.fileText.utf8), mode: 0o600, overwrite: false)
        return secret
    }
}
