import LedgerCore
import PostgresClient

extension LedgerStore {
    /// The openings of the entries `fromSeq`…`throughSeq`, in seq order, read a few stored rows at a time (a row
    /// holds the openings of one batch): at most `maxRows` rows, so a page stays small whatever the ledger's size.
    /// Returns the openings and the seq to read the next page from, or nil when `throughSeq` is reached.
    public func openingsPage(_ ledger: LedgerRecord, fromSeq: UInt64, throughSeq: UInt64, maxRows: Int) throws -> (openings: [Opening], next: UInt64?) {
        guard fromSeq <= throughSeq, let from = Int64(exactly: fromSeq) else { return ([], nil) }
        let through = Int64(clamping: throughSeq)
        let rows = try db.query("""
            SELECT first_seq, last_seq, data FROM openings WHERE ledger_id = $1 AND first_seq >= $2 AND first_seq <= $3 ORDER BY first_seq LIMIT $4
            """, [.int(ledger.id), .int(from), .int(through), .int(Int64(max(1, maxRows)))])
        var out: [Opening] = []
        var last: UInt64? = nil
        for r in 0..<rows.count {
            guard let first = rows.uint(r, 0), let lastSeq = rows.uint(r, 1), let data = rows.bytes(r, 2) else {
                throw StoreError(.corrupt, "an openings row of \(ledger.origin) is unreadable")
            }
            for o in try data.withUnsafeBytes({ try OpeningsRow.decode($0, firstSeq: first, lastSeq: lastSeq) }) where o.seq <= throughSeq { out.append(o) }
            last = first
        }
        guard rows.count >= max(1, maxRows), let last, last < throughSeq else { return (out, nil) }
        return (out, last + 1)
    }
}
