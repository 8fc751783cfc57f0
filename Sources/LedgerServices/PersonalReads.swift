import Foundation
import LedgerCore
import LedgerCrypto
import LedgerStore

/// Reading the personal values behind a payment (its openings): the one way the CLI and the daemon reveal
/// them. A purpose is required; each opening is checked against the payment's commitment before it is served
/// (a stored opening that does not match was altered: an error, never the value); the read is recorded in the
/// ledger's access log before the values are returned.
public enum PersonalReads {
    public struct Revealed: Sendable {
        /// The payment entry as stored.
        public let entryBytes: [UInt8]
        public let openings: [Opening]
    }

    /// A purpose says something: 1–200 characters without control characters, not only whitespace, and no
    /// U+FFFD (what invalid UTF-8 decodes to) or line/paragraph separators.
    public static func isPurpose(_ text: String) -> Bool {
        FieldSyntax.isText(text)
            && text.unicodeScalars.contains { !$0.properties.isWhitespace }
            && !text.unicodeScalars.contains { $0 == "\u{FFFD}" || $0 == "\u{2028}" || $0 == "\u{2029}" }
    }

    /// Who reads from the database directly (the CLI without --server): `local:<login name>`.
    public static func localPrincipal() -> String {
        let user = ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"] ?? "uid\(getuid())"
        return "local:" + String(user.unicodeScalars.filter { $0.value > 0x20 && $0.value < 0x7f }.prefix(64).map(Character.init))
    }

    /// The openings of payment `seq`, checked and recorded, or nil when the ledger has no entry `seq`.
    /// `authorize(unit)` is called with the payment's unit before anything is read (the caller's scope).
    public static func reveal(_ store: LedgerStore, _ ledger: LedgerRecord, seq: UInt64, principal: String, purpose: String,
                              authorize: (String) throws -> Void) throws -> Revealed? {
        guard isPurpose(purpose) else {
            throw ServiceError("a purpose is required to read personal values (1–200 characters without control characters); it is recorded in the access log",
                               code: "purpose-required")
        }
        guard let stored = try store.entry(ledger, seq: seq) else { return nil }
        guard let entry = try? Entry(decoding: stored.bytes), entry.kind == .payment, let payment = try? PaymentBody(decoding: entry.body) else {
            throw ServiceError("entry \(seq) is not a payment; only payments have personal values", code: "no-personal-values")
        }
        try authorize(payment.unit)
        let openings = try store.openings(ledger, seq: seq)
        let hash = ledger.suite.makeHashFunction()
        for o in openings {
            guard let field = PersonalField(rawValue: o.field), let commitment = payment.commitments[field], o.salt.count == Commitment.saltLength,
                  o.salt.withUnsafeBytes({ Commitment.compute(field: o.field, salt: $0, value: o.value, hash: hash) }) == commitment else {
                throw ServiceError("the stored opening of \(o.field) of payment \(seq) does not match its commitment: it was altered in the database; nothing is shown",
                                   code: "opening-mismatch")
            }
        }
        // Recorded before the values are returned.
        try store.recordPersonalRead(ledger, principal: principal, seq: seq, fields: openings.map(\.field), purpose: purpose, at: nowTimestamp())
        return Revealed(entryBytes: stored.bytes, openings: openings)
    }
}
