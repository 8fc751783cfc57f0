import LedgerCore
import LedgerStore

/// A ledger's openings as an openings file (FORMAT.md §13: JSON lines, personal data), for an inspector's bulk
/// read (`GET …/openings`, a cross-check run over several daemons). The read is recorded in the ledger's access
/// log before any opening is read: one record whose seq is the size the export stops at and whose fields are
/// every personal field (FORMAT.md §6.7, bulk reads).
public struct OpeningsExport: Sendable {
    public let ledger: LedgerRecord
    /// The size the export stops at: the head when it began. Openings of later entries are not served.
    public let size: UInt64

    /// Fixes the size (the head now) and records the bulk read by `principal` for `purpose` (which must be a
    /// purpose: `PersonalReads.isPurpose`).
    public static func begin(_ store: LedgerStore, _ ledger: LedgerRecord, principal: String, purpose: String) throws -> OpeningsExport {
        guard PersonalReads.isPurpose(purpose) else {
            throw ServiceError("a purpose is required to read personal values (1–200 characters without control characters); it is recorded in the access log",
                               code: "purpose-required")
        }
        let size = try store.head(ledger).size
        try store.recordPersonalRead(ledger, principal: principal, seq: max(size, 1), fields: PersonalField.allCases.map(\.rawValue), purpose: purpose,
                                     at: nowTimestamp())
        return OpeningsExport(ledger: ledger, size: size)
    }

    /// The lines of the openings of entries `from…` (never past `size`), a page of at most `maxRows` stored rows
    /// (batches); the seq to continue from, or nil at the end.
    public func lines(_ store: LedgerStore, from: UInt64, maxRows: Int) throws -> (lines: [UInt8], next: UInt64?) {
        let page = try store.openingsPage(ledger, fromSeq: from, throughSeq: size, maxRows: maxRows)
        var chunk: [UInt8] = []
        for o in page.openings {
            chunk += o.canonicalBytes
            chunk.append(0x0a)
        }
        return (chunk, page.next)
    }
}
