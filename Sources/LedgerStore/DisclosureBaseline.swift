import LedgerCore
import PostgresClient

/// What the disclosure benchmark (`aidledger-dev bench-disclosure`) compares the export with, in the same database:
/// PostgreSQL writing the same list columns as CSV (`COPY … TO STDOUT (FORMAT csv)`) from a plain table holding
/// them in clear, the names already masked — the physical limit of "write the list" here, with no verification,
/// no manifest and no spreadsheet. Developer tooling: `package`, never used by the product. The table (`db_list`)
/// has no keys or indexes.
package struct DisclosureBaseline {
    let store: LedgerStore

    /// One list row as the table holds it.
    package struct Row {
        package var seq: Int64
        package var maskedName: String
        package var unit: String
        package var schoolCode: String
        package var schoolName: String
        package var grade: String
        package var program: String
        package var period: String
        package var amountFen: Int64
        package var reversed: Bool

        package init(seq: Int64, maskedName: String, unit: String, schoolCode: String, schoolName: String, grade: String, program: String,
                     period: String, amountFen: Int64, reversed: Bool) {
            self.seq = seq
            self.maskedName = maskedName
            self.unit = unit
            self.schoolCode = schoolCode
            self.schoolName = schoolName
            self.grade = grade
            self.program = program
            self.period = period
            self.amountFen = amountFen
            self.reversed = reversed
        }
    }

    package init(_ store: LedgerStore) throws {
        self.store = store
        try store.db.execute(script: """
            DROP TABLE IF EXISTS db_list;
            CREATE TABLE db_list (seq bigint, masked_name text, unit text, school_code text, school_name text, grade text, program text,
                                  period text, amount_fen bigint, reversed boolean);
            """)
    }

    /// Loads the rows by binary COPY and analyzes the table.
    package func load(_ rows: [Row]) throws {
        let db = store.db
        try db.transaction {
            try db.copyIn("COPY db_list FROM STDIN (FORMAT binary)") { w in
                for r in rows {
                    try w.row(fields: 10)
                    w.int(r.seq); w.text(r.maskedName); w.text(r.unit); w.text(r.schoolCode); w.text(r.schoolName); w.text(r.grade)
                    w.text(r.program); w.text(r.period); w.int(r.amountFen); w.bytes([r.reversed ? 1 : 0])
                }
            }
        }
        try db.execute(script: "ANALYZE db_list")
    }

    /// The list's columns in the list's order as CSV from the server (序号 by row_number, yuan with two decimals,
    /// the status in Chinese); returns the bytes received.
    package func copyListCSV() throws -> Int {
        var bytes = 0
        try store.db.copyOut("""
            COPY (SELECT row_number() OVER (ORDER BY unit, school_code, program, period, seq), masked_name, unit, school_code, school_name, grade,
                         program, period, to_char(amount_fen / 100.0, 'FM999999999999990.00'), CASE WHEN reversed THEN '已冲销' ELSE '已发放' END, seq
                  FROM db_list ORDER BY unit, school_code, program, period, seq) TO STDOUT (FORMAT csv)
            """) { row in bytes += row.count }
        return bytes
    }
}
