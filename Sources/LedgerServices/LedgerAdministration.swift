import Foundation
import LedgerCore
import LedgerCrypto
import LedgerStore

/// Creating ledgers, enrolling and revoking keys, erasing openings and issuing API tokens: the administrator's
/// tasks, for `aidledger init/keys/erase/tokens` and for the daemon's first start.
public enum LedgerAdministration {
    /// The key file `directory/file`, created (with `file.vkey` beside it, mode 0600) if it does not exist; an
    /// existing file must hold a key of `name` and `suite`.
    public static func loadOrCreateKey(directory: String, file: String, name: String, suite: Suite) throws -> NamedSigningKey {
        try Files.makeDirectory(directory, mode: 0o700)
        let path = directory + "/" + file
        if FileManager.default.fileExists(atPath: path) {
            let key = try KeyFile.read(path)
            guard key.name == name, key.suite == suite else {
                throw ServiceError("\(path) holds key \(key.name) (\(key.suite.rawValue)), not \(name) (\(suite.rawValue))", code: "key-file")
            }
            return key
        }
        let key = try NamedSigningKey(name: name, key: SigningKey.generate(suite.signatureAlgorithm), suite: suite)
        try KeyFile.write(key, to: path)
        try Files.write(path + ".vkey", Array((key.verifierKey.description + "\n").utf8))
        return key
    }

    /// A new ledger: the schema (migrated if needed), `ledger.key` and `admin.key` in `keyDirectory` (created
    /// unless they exist) and the person-key secret (`PersonKeyFile`), the genesis entry and its checkpoint.
    public static func createLedger(_ store: LedgerStore, origin: String, suite: Suite, keyDirectory: String) throws
        -> (ledger: LedgerRecord, receipt: Receipt, ledgerKey: NamedSigningKey, admin: NamedSigningKey, migrated: [String]) {
        guard VerifierKey.isValidName(origin) else { throw ServiceError("the origin must be non-empty and contain no spaces or '+'", code: "bad-origin") }
        let ledgerKey = try loadOrCreateKey(directory: keyDirectory, file: "ledger.key", name: origin, suite: suite)
        let admin = try loadOrCreateKey(directory: keyDirectory, file: "admin.key", name: origin + "/admin/1", suite: suite)
        _ = try PersonKeyFile.loadOrCreate(directory: keyDirectory)
        let migrated = try store.migrate()
        let (ledger, receipt) = try store.createLedger(origin: origin, ledgerKey: ledgerKey, adminKey: admin.verifierKey, time: nowTimestamp())
        return (ledger, receipt, ledgerKey, admin, migrated)
    }

    /// The ledger key to sign `ledger`'s checkpoints with: the key file at `path`, which must hold the key the
    /// ledger's genesis entry names.
    public static func ledgerKey(at path: String, for ledger: LedgerRecord, _ store: LedgerStore) throws -> NamedSigningKey {
        let key = try KeyFile.read(path)
        try store.checkLedgerKey(key, for: ledger)
        return key
    }

    /// Enrolls `subject` with `role` and `units`, signed by `admin`.
    public static func enroll(_ store: LedgerStore, _ ledger: LedgerRecord, subject: VerifierKey, role: Role, units: [String],
                              admin: NamedSigningKey, ledgerKey: NamedSigningKey) throws -> Receipt {
        let unitList = units.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !unitList.isEmpty, unitList == [allUnitsScope] || unitList.allSatisfy(FieldSyntax.isToken) else {
            throw ServiceError("units must be unit codes separated by commas, or *", code: "bad-units")
        }
        let now = nowTimestamp()
        let body = try KeyBody.enroll(subject, role: role, units: unitList, origin: ledger.origin, signedAt: now, admin: admin)
        return try Submissions.append(store, ledger, try .key(body, suite: ledger.suite), time: now, ledgerKey: ledgerKey).receipt
    }

    /// Revokes `subject`, signed by `admin`, with a public reason.
    public static func revoke(_ store: LedgerStore, _ ledger: LedgerRecord, subject: VerifierKey, reason: String,
                              admin: NamedSigningKey, ledgerKey: NamedSigningKey) throws -> Receipt {
        guard FieldSyntax.isText(reason) else { throw ServiceError("the reason must be 1–200 characters without control characters", code: "bad-reason") }
        let now = nowTimestamp()
        let body = try KeyBody.revoke(subject, reason: reason, origin: ledger.origin, signedAt: now, admin: admin)
        return try Submissions.append(store, ledger, try .key(body, suite: ledger.suite), time: now, ledgerKey: ledgerKey).receipt
    }

    /// Erases openings of payment `seq` (all the fields it commits to, or `fields`), on record: an admin-signed
    /// `erase` entry and the deletion in one transaction. Returns the receipt, the fields erased and how many
    /// stored openings that deleted.
    public static func erase(_ store: LedgerStore, _ ledger: LedgerRecord, seq: UInt64, fields: [String]?, reason: String,
                             admin: NamedSigningKey, ledgerKey: NamedSigningKey) throws -> (receipt: Receipt, fields: [PersonalField], deleted: Int) {
        guard FieldSyntax.isText(reason) else { throw ServiceError("the reason must be 1–200 characters without control characters", code: "bad-reason") }
        guard let target = try store.entry(ledger, seq: seq), target.kind == EntryKind.payment.rawValue,
              let payment = try? PaymentBody(decoding: try Entry(decoding: target.bytes).body) else {
            throw ServiceError("seq \(seq) is not a payment of \(ledger.origin)", code: "erase-target")
        }
        var chosen = Array(payment.commitments.keys).sorted()
        if let fields {
            chosen = []
            for name in fields {
                guard let f = PersonalField(rawValue: name), payment.commitments[f] != nil else {
                    throw ServiceError("payment \(seq) has no commitment named \(name)", code: "erase-target")
                }
                chosen.append(f)
            }
        }
        let now = nowTimestamp()
        let body = try EraseBody.make(target: seq, fields: chosen, reason: reason, origin: ledger.origin, signedAt: now, admin: admin)
        let present = try store.openings(ledger, seq: seq).filter { o in chosen.contains { $0.rawValue == o.field } }.count
        let receipt = try Submissions.append(store, ledger, try .erase(body), time: now, ledgerKey: ledgerKey).receipt
        return (receipt, chosen, present)
    }

    /// Issues an API token for the key `keyName` of `ledger`; with `file`, writes it there (mode 0600).
    public static func issueToken(_ store: LedgerStore, _ ledger: LedgerRecord, keyName: String, label: String, file: String? = nil) throws -> String {
        let token = try store.issueToken(ledger, keyName: keyName, label: label)
        if let file { try Files.write(file, Array((token + "\n").utf8), mode: 0o600) }
        return token
    }
}

/// A verifier key given as text or as the path of a `.vkey` file.
public func readVerifierKey(_ text: String, suite: Suite) throws -> VerifierKey {
    var value = text
    if FileManager.default.fileExists(atPath: text) {
        value = String(decoding: try Files.read(text), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    do { return try VerifierKey(parsing: value, suite: suite) } catch { throw ServiceError("key: \(error.message)", code: "bad-key") }
}

extension LedgerAdministration {
    /// Cuts a ledger that its appends refuse (`ledger-inconsistent`) back to its last checkpoint validly signed by
    /// its ledger key: removes only what no valid signature covers (`LedgerStore.repairToLastSignedCheckpoint`).
    public static func repair(_ store: LedgerStore, _ ledger: LedgerRecord) throws -> LedgerStore.Repair {
        try store.repairToLastSignedCheckpoint(ledger)
    }
}
