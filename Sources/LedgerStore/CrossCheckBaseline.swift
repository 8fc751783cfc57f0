import LedgerCore
import PostgresClient

/// What the cross-check benchmark (`aidledger-dev bench-crosscheck`) compares the engine with, in the same
/// database: the exact-match rules XC-02, XC-03, XC-05, XC-07 and XC-08 written as plain SQL joins over the same
/// payments and registry rows in clear, the way an analyst with an export would write them. Developer tooling:
/// `package`, never used by the product. The tables (`xb_*`) are plain tables without keys or indexes; the
/// analyst's reference data (programme names, which certificate proves which category, the standards) is given
/// by the caller.
package struct CrossCheckBaseline {
    let store: LedgerStore

    /// One payment as the export has it: the entry's clear fields and its personal values.
    package struct Payment {
        package var origin: String
        package var seq: UInt64
        package var unit: String
        package var schoolCode: String
        package var program: String
        package var period: String
        package var stage: Stage
        package var boarding: Bool
        package var amountFen: Int64
        package var accountType: AccountType
        package var paidDate: String
        package var supplementary: Bool
        package var idNumber: String
        package var name: String?
        package var category: String?
        package var certType: String?
        package var certNumber: String?
        package var accountNumber: String?

        package init(origin: String, seq: UInt64, unit: String, schoolCode: String, program: String, period: String, stage: Stage, boarding: Bool,
                     amountFen: Int64, accountType: AccountType, paidDate: String, supplementary: Bool, idNumber: String, name: String?,
                     category: String?, certType: String?, certNumber: String?, accountNumber: String?) {
            self.origin = origin
            self.seq = seq
            self.unit = unit
            self.schoolCode = schoolCode
            self.program = program
            self.period = period
            self.stage = stage
            self.boarding = boarding
            self.amountFen = amountFen
            self.accountType = accountType
            self.paidDate = paidDate
            self.supplementary = supplementary
            self.idNumber = idNumber
            self.name = name
            self.category = category
            self.certType = certType
            self.certNumber = certNumber
            self.accountNumber = accountNumber
        }
    }

    /// A standards row as the analyst types it: programme (canonical), stage, boarding (nil: either), region
    /// (`*` or a unit-code prefix), effective dates, the yearly range in fen and the share of one payment.
    package struct Standard: Sendable {
        package var program: String
        package var stage: Stage
        package var boarding: Bool?
        package var region: String
        package var effectiveFrom: String
        package var effectiveTo: String?
        package var yearlyMinFen: Int64
        package var yearlyMaxFen: Int64
        package var shareNumerator: Int64
        package var shareDenominator: Int64

        package init(program: String, stage: Stage, boarding: Bool?, region: String, effectiveFrom: String, effectiveTo: String?,
                     yearlyMinFen: Int64, yearlyMaxFen: Int64, shareNumerator: Int64, shareDenominator: Int64) {
            self.program = program
            self.stage = stage
            self.boarding = boarding
            self.region = region
            self.effectiveFrom = effectiveFrom
            self.effectiveTo = effectiveTo
            self.yearlyMinFen = yearlyMinFen
            self.yearlyMaxFen = yearlyMaxFen
            self.shareNumerator = shareNumerator
            self.shareDenominator = shareDenominator
        }
    }

    /// The analyst's reference tables.
    package struct Reference: Sendable {
        /// Every name a programme is paid under (canonical names and aliases) → canonical name, and whether the
        /// programme is for difficulty categories (XC-02 checks only those).
        package var programNames: [(name: String, canonical: String, hasCategories: Bool)]
        /// Category → a certificate type that proves it (one row per pair; a category no certificate proves has none).
        package var categoryCertTypes: [(category: String, certType: String)]
        package var standards: [Standard]

        package init(programNames: [(name: String, canonical: String, hasCategories: Bool)], categoryCertTypes: [(category: String, certType: String)],
                     standards: [Standard]) {
            self.programNames = programNames
            self.categoryCertTypes = categoryCertTypes
            self.standards = standards
        }
    }

    /// One rule's result: who (ID number) and which programme ("" for a rule not about one programme).
    package struct Hit: Hashable, Sendable {
        package let rule: String
        package let idNumber: String
        package let program: String
    }

    /// Creates the tables (dropping earlier ones).
    package init(_ store: LedgerStore) throws {
        self.store = store
        try store.db.execute(script: """
            DROP TABLE IF EXISTS xb_payments, xb_reversals, xb_enrollment, xb_certificates, xb_identity, xb_program_names, xb_category_types,
                xb_standards, xb_period;
            CREATE TABLE xb_payments (origin text, seq bigint, unit text, school_code text, program text, period text, stage text, boarding boolean,
                amount_fen bigint, account_type text, paid_date date, supplementary boolean, id_number text, name text, category text, cert_type text,
                cert_number text, account_number text);
            CREATE TABLE xb_reversals (origin text, target_seq bigint);
            CREATE TABLE xb_enrollment (id_number text, name text, unit text, school_code text, school_name text, stage text, grade text,
                boarding boolean, status text, status_date date, student_number text);
            CREATE TABLE xb_certificates (cert_type text, cert_number text, id_number text, name text, issuer_unit text, valid_from date,
                valid_to date, status text);
            CREATE TABLE xb_identity (id_number text, name text, alive boolean, death_date date);
            CREATE TABLE xb_program_names (name text, canonical text, has_categories boolean);
            CREATE TABLE xb_category_types (category text, cert_type text);
            CREATE TABLE xb_standards (row_no integer, program text, stage text, boarding boolean, region text, effective_from date,
                effective_to date, yearly_min_fen bigint, yearly_max_fen bigint, share_num bigint, share_den bigint);
            """)
    }

    /// Loads everything by binary COPY in one transaction, then `ANALYZE` (what the planner needs for the joins).
    package func load(payments: [Payment], reversals: [(origin: String, seq: UInt64)], registries: RegistryData, reference: Reference) throws {
        let db = store.db
        try db.transaction {
            try db.copyIn("COPY xb_payments FROM STDIN (FORMAT binary)") { w in
                for p in payments {
                    try w.row(fields: 18)
                    w.text(p.origin); w.int(Int64(p.seq)); w.text(p.unit); w.text(p.schoolCode); w.text(p.program); w.text(p.period)
                    w.text(p.stage.rawValue); Self.bool(&w, p.boarding); w.int(p.amountFen); w.text(p.accountType.rawValue); try Self.date(&w, p.paidDate)
                    Self.bool(&w, p.supplementary); w.text(p.idNumber); Self.text(&w, p.name); Self.text(&w, p.category); Self.text(&w, p.certType)
                    Self.text(&w, p.certNumber); Self.text(&w, p.accountNumber)
                }
            }
            try db.copyIn("COPY xb_reversals FROM STDIN (FORMAT binary)") { w in
                for r in reversals { try w.row(fields: 2); w.text(r.origin); w.int(Int64(r.seq)) }
            }
            try db.copyIn("COPY xb_enrollment FROM STDIN (FORMAT binary)") { w in
                for e in registries.enrollment {
                    try w.row(fields: 11)
                    w.text(e.idNumber); w.text(e.name); w.text(e.unit); w.text(e.schoolCode); w.text(e.schoolName); w.text(e.stage.rawValue); w.text(e.grade)
                    Self.bool(&w, e.boarding); w.text(e.status.rawValue); try Self.date(&w, e.statusDate); Self.text(&w, e.studentNumber)
                }
            }
            try db.copyIn("COPY xb_certificates FROM STDIN (FORMAT binary)") { w in
                for c in registries.certificates {
                    try w.row(fields: 8)
                    w.text(c.certType); w.text(c.certNumber); w.text(c.idNumber); w.text(c.name); w.text(c.issuerUnit); try Self.date(&w, c.validFrom)
                    try Self.date(&w, c.validTo); w.text(c.status.rawValue)
                }
            }
            try db.copyIn("COPY xb_identity FROM STDIN (FORMAT binary)") { w in
                for i in registries.identity {
                    try w.row(fields: 4)
                    w.text(i.idNumber); w.text(i.name); Self.bool(&w, i.alive); try Self.date(&w, i.deathDate)
                }
            }
            try db.copyIn("COPY xb_program_names FROM STDIN (FORMAT binary)") { w in
                for n in reference.programNames { try w.row(fields: 3); w.text(n.name); w.text(n.canonical); Self.bool(&w, n.hasCategories) }
            }
            try db.copyIn("COPY xb_category_types FROM STDIN (FORMAT binary)") { w in
                for t in reference.categoryCertTypes { try w.row(fields: 2); w.text(t.category); w.text(t.certType) }
            }
            try db.copyIn("COPY xb_standards FROM STDIN (FORMAT binary)") { w in
                for (i, s) in reference.standards.enumerated() {
                    try w.row(fields: 11)
                    w.bytes(Self.bigEndian(UInt32(truncatingIfNeeded: i + 1))); w.text(s.program); w.text(s.stage.rawValue)
                    if let b = s.boarding { Self.bool(&w, b) } else { w.null() }
                    w.text(s.region); try Self.date(&w, s.effectiveFrom); try Self.date(&w, s.effectiveTo); w.int(s.yearlyMinFen); w.int(s.yearlyMaxFen)
                    w.int(s.shareNumerator); w.int(s.shareDenominator)
                }
            }
        }
        try db.execute(script: "ANALYZE xb_payments, xb_reversals, xb_enrollment, xb_certificates, xb_identity, xb_program_names, xb_category_types, xb_standards")
    }

    /// The baseline's steps in order, each a statement the caller times: first the period's payments that count
    /// (not reversed, programme names resolved) into a table, then one query per rule.
    package var steps: [String] { ["period payments", "XC-02", "XC-03", "XC-05", "XC-07", "XC-08"] }

    /// Runs step `step` of `steps` for `period` (its first day `periodStart`), returning the hits of a rule step
    /// (none for the first). `work_mem` is raised for the session so that the joins hash in memory.
    package func run(step: String, period: String, periodStart: String, toleranceFen: Int64 = 0) throws -> Set<Hit> {
        // The literals are checked here: period and date have a fixed syntax without quotes.
        guard FieldSyntax.isPeriod(period), FieldSyntax.isDate(periodStart) else { throw StoreError(.rejected, "baseline: bad period or date") }
        let db = store.db
        let start = "DATE '\(periodStart)'"
        let sql: String
        switch step {
        case "period payments":
            try db.execute(script: SQL(unsafeText: """
                SET work_mem = '256MB';
                DROP TABLE IF EXISTS xb_period;
                CREATE TABLE xb_period AS
                SELECT p.*, coalesce(n.canonical, p.program) AS prog, coalesce(n.has_categories, false) AS with_categories, n.canonical IS NOT NULL AS known
                FROM xb_payments p LEFT JOIN xb_program_names n ON n.name = btrim(p.program)
                WHERE p.period = '\(period)' AND coalesce(p.id_number, '') <> ''
                  AND NOT EXISTS (SELECT 1 FROM xb_reversals r WHERE r.origin = p.origin AND r.target_seq = p.seq);
                ANALYZE xb_period;
                """))
            return []
        case "XC-02":
            // 有人无证: a programme for difficulty categories, and no category claimed, or a category some certificate type
            // proves without a certificate of such a type valid on the first day of the period.
            sql = """
                WITH proven AS (SELECT DISTINCT c.id_number, t.category FROM xb_certificates c JOIN xb_category_types t ON t.cert_type = c.cert_type
                                WHERE c.status = 'valid' AND c.valid_from <= \(start) AND (c.valid_to IS NULL OR c.valid_to >= \(start)))
                SELECT p.id_number, p.prog FROM xb_period p
                LEFT JOIN proven v ON v.id_number = p.id_number AND v.category = btrim(p.category)
                WHERE p.with_categories AND v.id_number IS NULL
                  AND (coalesce(btrim(p.category), '') = '' OR btrim(p.category) IN (SELECT category FROM xb_category_types))
                GROUP BY 1, 2
                """
        case "XC-03":
            // 有证无人: a person paid in the period with no identity row or no enrollment row.
            sql = """
                WITH paid AS (SELECT DISTINCT id_number FROM xb_period)
                SELECT d.id_number, '' FROM paid d WHERE NOT EXISTS (SELECT 1 FROM xb_identity i WHERE i.id_number = d.id_number)
                UNION
                SELECT d.id_number, '' FROM paid d WHERE NOT EXISTS (SELECT 1 FROM xb_enrollment e WHERE e.id_number = d.id_number)
                """
        case "XC-05":
            // 重复享受: paid more than once for one programme in the period (a supplementary payment by a unit that paid
            // earlier in the group is no duplicate), in paid-date order.
            sql = """
                WITH groups AS (SELECT id_number, prog FROM xb_period GROUP BY 1, 2 HAVING count(*) > 1),
                ordered AS (SELECT p.id_number, p.prog, p.unit, p.supplementary,
                                   row_number() OVER (PARTITION BY p.id_number, p.prog ORDER BY p.paid_date, p.origin, p.seq) AS n
                            FROM xb_period p JOIN groups g USING (id_number, prog))
                SELECT DISTINCT o.id_number, o.prog FROM ordered o
                WHERE o.n > 1 AND NOT (o.supplementary AND EXISTS (SELECT 1 FROM ordered e WHERE e.id_number = o.id_number AND e.prog = o.prog
                                                                                               AND e.n < o.n AND e.unit = o.unit))
                """
        case "XC-07":
            // 离校后仍发放: paid after an exit status at the paying unit (unless enrolled again there at the same school),
            // or after the date of death.
            sql = """
                SELECT p.id_number, p.prog FROM xb_period p JOIN xb_enrollment e ON e.id_number = p.id_number AND e.unit = p.unit
                WHERE e.status <> 'enrolled' AND e.status_date < p.paid_date
                  AND NOT EXISTS (SELECT 1 FROM xb_enrollment r WHERE r.id_number = p.id_number AND r.unit = p.unit AND r.status = 'enrolled'
                                                                  AND r.school_code = p.school_code)
                UNION
                SELECT p.id_number, p.prog FROM xb_period p JOIN xb_identity i ON i.id_number = p.id_number
                WHERE NOT i.alive AND i.death_date < p.paid_date
                """
        case "XC-08":
            // 金额不符标准: the standard row for each (programme, stage, boarding, unit) once, then every payment against it.
            sql = """
                WITH combos AS (SELECT DISTINCT prog, known, stage, boarding, unit FROM xb_period),
                chosen AS (
                    SELECT c.prog, c.stage, c.boarding, c.unit, s.low, s.high FROM combos c
                    LEFT JOIN LATERAL (
                        SELECT least(s.yearly_min_fen * s.share_num / s.share_den, s.yearly_max_fen * s.share_num / s.share_den) AS low,
                               greatest(s.yearly_min_fen * s.share_num / s.share_den, s.yearly_max_fen * s.share_num / s.share_den) AS high
                        FROM xb_standards s
                        WHERE c.known AND s.program = c.prog AND s.stage = c.stage AND (s.boarding IS NULL OR s.boarding = c.boarding)
                          AND s.effective_from <= \(start) AND (s.effective_to IS NULL OR s.effective_to >= \(start))
                          AND (s.region = '*' OR (s.region <> '' AND starts_with(c.unit, s.region)))
                        ORDER BY CASE WHEN s.region = '*' THEN 0 ELSE length(s.region) END DESC, s.row_no
                        LIMIT 1) s ON true)
                SELECT p.id_number, p.prog FROM xb_period p
                JOIN chosen c ON c.prog = p.prog AND c.stage = p.stage AND c.boarding = p.boarding AND c.unit = p.unit
                WHERE c.low IS NULL OR p.amount_fen < c.low - \(toleranceFen) OR p.amount_fen > c.high + \(toleranceFen)
                GROUP BY 1, 2
                """
        default:
            throw StoreError(.rejected, "baseline: no step \(step)")
        }
        let rows = try db.query(SQL(unsafeText: sql))
        var hits = Set<Hit>()
        for r in 0..<rows.count {
            guard let id = rows.string(r, 0) else { continue }
            hits.insert(Hit(rule: step, idNumber: id, program: rows.string(r, 1) ?? ""))
        }
        return hits
    }

    /// Drops the tables.
    package func drop() throws {
        try store.db.execute(script: """
            DROP TABLE IF EXISTS xb_payments, xb_reversals, xb_enrollment, xb_certificates, xb_identity, xb_program_names, xb_category_types,
                xb_standards, xb_period;
            """)
    }

    // MARK: binary COPY values

    static func bool(_ w: inout BinaryCopyWriter, _ value: Bool) { w.bytes([value ? 1 : 0]) }

    static func text(_ w: inout BinaryCopyWriter, _ value: String?) {
        if let value { w.text(value) } else { w.null() }
    }

    /// A `date` in binary COPY: days since 2000-01-01 as a 4-byte big-endian integer; nil is NULL.
    static func date(_ w: inout BinaryCopyWriter, _ value: String?) throws {
        guard let value else { return w.null() }
        guard let day = DateLimits.dayNumber(value), let epoch = DateLimits.dayNumber("2000-01-01") else {
            throw StoreError(.rejected, "baseline: a date is not YYYY-MM-DD")
        }
        w.bytes(bigEndian(UInt32(bitPattern: Int32(truncatingIfNeeded: day - epoch))))
    }

    static func bigEndian(_ v: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
    }
}
