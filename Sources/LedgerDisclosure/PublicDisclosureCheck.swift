import LedgerCore
import LedgerCrypto
import LedgerVerify

/// The public check of a published 公示 export (docs/FORMAT.md §18.3), as `aidledger verify-disclosure` runs it:
/// from the files of the public bundle alone — the export's files, `manifest.note` and `ledger.bundle` — anyone
/// can check that every listed row is a ledger entry with the same school, programme, period and amount, that no
/// payment in scope was left out, that the totals are the sums of the list, and that the category table counts the
/// 已发放 payments of the request's units and periods in every school and programme. Pure: the caller reads the
/// files.
///
/// The CSV files are read with a reader of its own, written from the layouts of FORMAT.md §18.2 (not with the
/// writers that made them), as an outsider would.
public enum PublicDisclosureCheck {
    public static let manifestName = "manifest.note"
    public static let bundleName = "ledger.bundle"
    /// At most this many problems are reported (`Outcome.problemsTruncated` says when more were found).
    public static let maxProblems = 1000

    /// One thing wrong with the export: a stable code (FORMAT.md §18.3), the file, the line and column where it
    /// is (CSV: the line the record starts on, the header being line 1, and the field's position from 1; nil
    /// when the problem is not at one place), and why. Never a personal value: names are not repeated.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public let code: String
        public let file: String
        public let line: Int?
        public let column: Int?
        public let why: String

        public init(code: String, file: String, line: Int? = nil, column: Int? = nil, why: String) {
            self.code = code
            self.file = file
            self.line = line
            self.column = column
            self.why = why
        }

        public var description: String {
            "\(file)\(line.map { ":\($0)" } ?? "")\(column.map { ":\($0)" } ?? ""): \(code): \(why)"
        }
    }

    public struct Outcome: Sendable {
        public var problems: [Problem] = []
        public var problemsTruncated = false
        /// The manifest, when it parsed.
        public var manifest: DisclosureManifest? = nil
        /// The ledger's origin and genesis ledger key, from the bundle.
        public var origin: String = ""
        public var ledgerKey: String = ""
        /// Rows of list.csv the ledger confirmed (a known payment with equal public members).
        public var rowsConfirmed = 0
        public var intact: Bool { problems.isEmpty }
    }

    /// Checks an export from its files by name (`files["list.csv"]` …); `trustedLedgerKey` is the ledger key
    /// the caller trusts (vkey form), if any.
    public static func check(files: [String: [UInt8]], trustedLedgerKey: String? = nil) -> Outcome {
        var checker = Checker(files: files, trustedLedgerKey: trustedLedgerKey)
        checker.run()
        return checker.outcome
    }

    // MARK: - cell texts (FORMAT.md §18.2)

    /// A text cell as every file writes it: one `'` before a first character a spreadsheet would execute.
    public static func cellText(_ s: String) -> String {
        guard let first = s.unicodeScalars.first else { return s }
        switch first {
        case "=", "+", "-", "@", "\t", "\r": return "'" + s
        default: return s
        }
    }

    /// Yuan with exactly two decimals from integer fen (`1250.00`, `0.05`); negative amounts never occur.
    public static func yuan(_ fen: Int64) -> String {
        let f = max(0, fen)
        let cents = f % 100
        return "\(f / 100)." + (cents < 10 ? "0" : "") + "\(cents)"
    }

    /// Stage names in Chinese.
    public static func stageName(_ stage: Stage) -> String {
        switch stage {
        case .preschool: "学前"
        case .primary: "小学"
        case .junior: "初中"
        case .senior: "高中"
        case .vocational: "中职"
        case .higher: "高校"
        }
    }

    /// Whether a 姓名 cell has the shape of a masked name (`NameMask`): `*`, one character and `*`, or a first
    /// character, one or more `*` and a last character (the first and last not `*`). A neutralising `'` is
    /// removed first.
    public static func isMaskedName(_ cell: String) -> Bool {
        var text = Substring(cell)
        if text.hasPrefix("'"), let second = text.dropFirst().unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(second) { text = text.dropFirst() }
        let c = Array(text)
        switch c.count {
        case 0: return false
        case 1: return c[0] == "*"
        case 2: return c[0] != "*" && c[1] == "*"
        default: return c[0] != "*" && c[c.count - 1] != "*" && c[1..<(c.count - 1)].allSatisfy { $0 == "*" }
        }
    }

    static let listHeader = ["序号", "姓名", "单位", "学校代码", "学校", "年级", "资助项目", "学期", "金额(元)", "状态", "账本序号"]
    static let totalsHeader = ["单位", "资助项目", "学段", "人次", "金额(元)"]
    static let paid = "已发放", reversed = "已冲销", total = "合计", unregistered = "未登记"

    // MARK: - CSV

    /// One record of a CSV file: the line it starts on (the header is line 1) and its fields.
    struct Record {
        let line: Int
        let fields: [String]
    }

    struct CSVError: Error {
        let line: Int
        let column: Int
        let why: String
    }

    /// Reads a CSV file of FORMAT.md §18.2: a UTF-8 BOM, RFC 4180 fields (quoted if and only if they contain `,`
    /// `"` CR or LF, `"` doubled inside quotes), every record ending in CRLF.
    static func readCSV(_ bytes: [UInt8]) -> Result<[Record], CSVError> {
        let comma: UInt8 = 0x2c, quote: UInt8 = 0x22, cr: UInt8 = 0x0d, lf: UInt8 = 0x0a
        guard bytes.count >= 3, bytes[0] == 0xef, bytes[1] == 0xbb, bytes[2] == 0xbf else {
            return .failure(CSVError(line: 1, column: 1, why: "the file does not begin with the UTF-8 byte order mark (EF BB BF)"))
        }
        let n = bytes.count
        var i = 3, line = 1
        var records: [Record] = []
        while i < n {
            let recordLine = line
            var fields: [String] = []
            while true {
                let column = fields.count + 1
                var value: ArraySlice<UInt8>
                if bytes[i] == quote {
                    var buffer: [UInt8] = []
                    var needsQuotes = false
                    i += 1
                    while true {
                        guard i < n else { return .failure(CSVError(line: recordLine, column: column, why: "a quoted field is not closed before the end of the file")) }
                        let b = bytes[i]
                        if b == quote {
                            if i + 1 < n, bytes[i + 1] == quote {
                                buffer.append(quote)
                                needsQuotes = true
                                i += 2
                                continue
                            }
                            i += 1
                            break
                        }
                        if b == lf { line += 1 }
                        if b == comma || b == cr || b == lf { needsQuotes = true }
                        buffer.append(b)
                        i += 1
                    }
                    guard needsQuotes else {
                        return .failure(CSVError(line: recordLine, column: column, why: "a field is quoted but contains no comma, quote, CR or LF"))
                    }
                    if i < n, bytes[i] != comma, bytes[i] != cr, bytes[i] != lf {
                        return .failure(CSVError(line: recordLine, column: column, why: "text follows a closing quote"))
                    }
                    value = buffer[...]
                } else {
                    let start = i
                    while i < n, bytes[i] != comma, bytes[i] != cr, bytes[i] != lf {
                        if bytes[i] == quote { return .failure(CSVError(line: recordLine, column: column, why: "a quote inside a field that is not quoted")) }
                        i += 1
                    }
                    value = bytes[start..<i]
                }
                guard let text = String(validating: value, as: UTF8.self) else {
                    return .failure(CSVError(line: recordLine, column: column, why: "the field is not valid UTF-8"))
                }
                fields.append(text)
                guard i < n else { return .failure(CSVError(line: recordLine, column: column, why: "the last line does not end with CRLF (the file is truncated?)")) }
                if bytes[i] == comma {
                    i += 1
                    // A comma at the very end: the empty field after it has no line end.
                    guard i < n else { return .failure(CSVError(line: recordLine, column: column + 1, why: "the last line does not end with CRLF (the file is truncated?)")) }
                    continue
                }
                if bytes[i] == cr, i + 1 < n, bytes[i + 1] == lf {
                    i += 2
                    line += 1
                    break
                }
                return .failure(CSVError(line: recordLine, column: column, why: bytes[i] == lf ? "a line ends with LF alone, not CRLF" : "a CR not followed by LF"))
            }
            records.append(Record(line: recordLine, fields: fields))
        }
        return .success(records)
    }

    /// A decimal integer without sign or leading zeros, at most 15 digits (below 2^53); nil otherwise.
    static func count(_ s: String) -> Int64? {
        let u = Array(s.utf8)
        guard !u.isEmpty, u.count <= 15, u.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), u.count == 1 || u[0] != 0x30 else { return nil }
        var v: Int64 = 0
        for d in u { v = v * 10 + Int64(d - 0x30) }
        return v
    }

    /// `a + b`, saturating at Int64.max (sums of fen in a ledger cannot reach it; a tampered bundle may try).
    static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (s, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int64.max : s
    }

    // MARK: - the ledger's side

    /// The public members of a payment entry, and whether a valid reversal undid it.
    struct Payment {
        let seq: UInt64
        let unit: String
        let schoolCode: String
        let schoolName: String
        let grade: String
        let program: String
        let period: String
        let stage: Stage
        let amountFen: Int64
        var reversed: Bool
    }

    struct Checker {
        let files: [String: [UInt8]]
        let trustedLedgerKey: String?
        var outcome = Outcome()

        init(files: [String: [UInt8]], trustedLedgerKey: String?) {
            self.files = files
            self.trustedLedgerKey = trustedLedgerKey
        }

        mutating func problem(_ code: String, _ file: String, line: Int? = nil, column: Int? = nil, _ why: String) {
            guard outcome.problems.count < PublicDisclosureCheck.maxProblems else {
                outcome.problemsTruncated = true
                return
            }
            outcome.problems.append(Problem(code: code, file: file, line: line, column: column, why: why))
        }

        mutating func run() {
            // (1) The manifest parses.
            guard let noteBytes = files[manifestName] else { problem("file-missing", manifestName, "the export has no manifest.note"); return }
            let parsed: (manifest: DisclosureManifest, note: SignedNote)
            do { parsed = try DisclosureManifest.parse(note: noteBytes) } catch {
                problem("manifest-malformed", manifestName, line: error.line, column: error.column, error.why)
                return
            }
            let (manifest, note) = parsed
            outcome.manifest = manifest
            guard let bundle = files[bundleName] else { problem("file-missing", bundleName, "the export has no ledger.bundle"); return }

            // (2) The bundle verifies; (1) the manifest is signed by its genesis ledger key.
            let report = bundle.withUnsafeBytes { LedgerVerifier.verify(bundle: $0) }
            outcome.origin = report.origin
            outcome.ledgerKey = report.ledgerKey
            for f in report.findings {
                problem("bundle-invalid", bundleName, "\(f.seq.map { "seq \($0): " } ?? "")\(f.code): \(f.message)")
            }
            // A bundle that does not parse is reported above (bundle-malformed): nothing of it can be compared.
            guard let layout = try? bundle.withUnsafeBytes({ try Bundle.layout($0) }) else { return }
            guard let suite = Suite(rawValue: report.suite), let ledgerKey = try? VerifierKey(parsing: report.ledgerKey, suite: suite) else {
                problem("manifest-signature", manifestName, "the bundle has no valid genesis entry, so there is no ledger key to check the manifest's signature with")
                return
            }
            if let trustedLedgerKey, trustedLedgerKey != report.ledgerKey {
                problem("ledger-key-untrusted", bundleName, line: 3, "the bundle's genesis ledger key is not the ledger key given to trust")
            }
            if manifest.origin != report.origin || manifest.suite != suite {
                problem("manifest-origin", manifestName, line: 2, "the manifest is of \(manifest.origin) (\(manifest.suite.rawValue)), the bundle of \(report.origin) (\(suite.rawValue))")
            }
            if !manifest.isSigned(note, by: ledgerKey) {
                problem("manifest-signature", manifestName, "the manifest carries no valid signature of the bundle's genesis ledger key \(ledgerKey)")
            }
            let payments = checkCheckpoint(manifest, layout: layout, bundle: bundle, ledgerKey: ledgerKey, suite: suite)

            // (3) Every file has the manifest's size and digest.
            checkFiles(manifest)

            guard let payments else { return }
            let inScope = payments.filter {
                $0.seq <= manifest.checkpointSize
                    && manifest.request.covers(unit: $0.unit, schoolCode: $0.schoolCode, program: $0.program, period: $0.period)
            }
            // The category table counts the payments of the request's units and periods in every school and
            // programme: the school and programme filters do not apply to it (FORMAT.md §18.2 item 3).
            let request = manifest.request
            let counted = payments.filter {
                $0.seq <= manifest.checkpointSize && (request.units.isEmpty || request.units.contains($0.unit))
                    && (request.periods.isEmpty || request.periods.contains($0.period))
            }
            // (4)–(7) The list, the tables and the summary against the ledger.
            checkList(payments: payments, inScope: inScope, manifest: manifest)
            checkTotals(inScope: inScope)
            checkCategories(counted: counted, threshold: manifest.threshold)
            checkSummary(inScope: inScope, manifest: manifest)
        }

        /// (2) The bundle holds entries 1 … size and a checkpoint of that size and root signed by the ledger key,
        /// and the root of entries 1 … size is that root. Returns the payments of entries 1 … size with their
        /// reversals, or nil when the bundle is too short to hold them.
        mutating func checkCheckpoint(_ manifest: DisclosureManifest, layout: Bundle.Layout, bundle: [UInt8], ledgerKey: VerifierKey, suite: Suite) -> [Payment]? {
            let size = manifest.checkpointSize
            let signed = layout.checkpoints.contains { text in
                guard let c = try? SignedCheckpoint(parsing: text) else { return false }
                return c.checkpoint.origin == manifest.origin && c.checkpoint.size == size && c.checkpoint.root == manifest.checkpointRoot && c.note.verify(with: ledgerKey)
            }
            if !signed {
                problem("checkpoint-mismatch", bundleName,
                        "the bundle has no checkpoint of size \(size) with the manifest's root \(manifest.checkpointRoot.hex) signed by the ledger key")
            }
            guard UInt64(layout.entryLines.count) >= size else {
                problem("checkpoint-mismatch", bundleName, "the bundle holds \(layout.entryLines.count) entries, fewer than the manifest's checkpoint size \(size)")
                return nil
            }
            let hash = suite.makeHashFunction()
            var frontier = MerkleFrontier()
            var payments: [Payment] = []
            var index: [UInt64: Int] = [:]
            bundle.withUnsafeBytes { raw in
                for (offset, range) in layout.entryLines.prefix(Int(size)).enumerated() {
                    let bytes = UnsafeRawBufferPointer(rebasing: raw[range])
                    let entryHash = EntryHash.compute(bytes, hash: hash)
                    frontier.append(entryHash, hash: hash)
                    let seq = UInt64(offset + 1)
                    guard let entry = try? Entry(decoding: bytes), entry.seq == seq else { continue }
                    switch entry.kind {
                    case .payment:
                        guard let p = try? PaymentBody(decoding: entry.body) else { continue }
                        index[seq] = payments.count
                        payments.append(Payment(seq: seq, unit: p.unit, schoolCode: p.schoolCode, schoolName: p.schoolName, grade: p.grade, program: p.program,
                                                period: p.period, stage: p.stage, amountFen: p.amountFen, reversed: false))
                        paymentHashes[seq] = entryHash
                    case .reversal:
                        // The target rules of FORMAT.md §6.5 (the signer is the verifier's to check, step 2).
                        guard let r = try? ReversalBody(decoding: entry.body), r.target < seq, let i = index[r.target], !payments[i].reversed,
                              paymentHashes[r.target] == r.targetHash, payments[i].amountFen == r.amountFen else { continue }
                        payments[i].reversed = true
                    default:
                        continue
                    }
                }
            }
            if frontier.root(hash: hash) != manifest.checkpointRoot {
                problem("checkpoint-mismatch", bundleName, "the root of entries 1…\(size) of the bundle is not the manifest's root \(manifest.checkpointRoot.hex)")
            }
            return payments
        }

        var paymentHashes: [UInt64: Digest32] = [:]

        /// (3) Each file the manifest lists is present with its byte count and SHA-256.
        mutating func checkFiles(_ manifest: DisclosureManifest) {
            guard let sha = try? HashFunction(.sha256) else {
                problem("file-digest", manifestName, "SHA-256 is not available to check the files")
                return
            }
            for f in manifest.files {
                guard let bytes = files[f.name] else { problem("file-missing", f.name, "the manifest lists \(f.name), which is not in the export"); continue }
                if Int64(bytes.count) != f.bytes {
                    problem("file-size", f.name, "\(bytes.count) bytes, the manifest says \(f.bytes)")
                } else if sha.hash(bytes) != f.sha256 {
                    problem("file-digest", f.name, "its SHA-256 is not the manifest's \(f.sha256.hex)")
                }
            }
        }

        /// The records of a CSV file, or nil (with the problem recorded) when it is absent or does not parse.
        mutating func records(_ name: String) -> [Record]? {
            guard let bytes = files[name] else { return nil }
            switch readCSV(bytes) {
            case .success(let r): return r
            case .failure(let e):
                problem("csv-syntax", name, line: e.line, column: e.column, e.why)
                return nil
            }
        }

        // MARK: (4) list.csv

        mutating func checkList(payments: [Payment], inScope: [Payment], manifest: DisclosureManifest) {
            let file = "list.csv"
            guard let records = records(file) else { return }
            guard let header = records.first, header.fields == listHeader else {
                problem("list-header", file, line: 1, "the header is not \(listHeader.joined(separator: ","))")
                return
            }
            guard records.count >= 2, let last = records.last, last.fields.first == total else {
                problem("list-total", file, line: records.last?.line, "the last line is not the 合计 line")
                return
            }
            var bySeq: [UInt64: Int] = [:]
            for (i, p) in payments.enumerated() { bySeq[p.seq] = i }
            var listed = Set<UInt64>()
            var previousKey: (String, String, String, String, UInt64)? = nil
            for (k, record) in records.dropFirst().dropLast().enumerated() {
                let line = record.line, f = record.fields
                guard f.count == listHeader.count else {
                    problem("list-layout", file, line: line, "\(f.count) fields, the header has \(listHeader.count)")
                    continue
                }
                if count(f[0]) != Int64(k + 1) { problem("list-number", file, line: line, column: 1, "序号 must be \(k + 1): rows are numbered 1, 2, … without gaps") }
                if !isMaskedName(f[1]) { problem("list-name", file, line: line, column: 2, "姓名 does not have the shape of a masked name (张*, 张*明)") }
                guard let seqValue = count(f[10]), seqValue >= 1 else {
                    problem("list-cell", file, line: line, column: 11, "账本序号 is not a seq (a decimal integer ≥ 1)")
                    continue
                }
                let seq = UInt64(seqValue)
                guard seq <= manifest.checkpointSize, let i = bySeq[seq] else {
                    problem("list-row-unknown", file, line: line, column: 11, "seq \(seq) is not a payment entry of the ledger up to size \(manifest.checkpointSize)")
                    continue
                }
                guard listed.insert(seq).inserted else {
                    problem("list-duplicate", file, line: line, column: 11, "seq \(seq) is listed twice")
                    continue
                }
                let p = payments[i]
                let expected: [(column: Int, name: String, text: String)] = [
                    (3, "单位", cellText(p.unit)), (4, "学校代码", cellText(p.schoolCode)), (5, "学校", cellText(p.schoolName)),
                    (6, "年级", cellText(p.grade)), (7, "资助项目", cellText(p.program)), (8, "学期", cellText(p.period)), (9, "金额(元)", yuan(p.amountFen)),
                ]
                var same = true
                for e in expected where f[e.column - 1] != e.text {
                    same = false
                    problem("list-row-mismatch", file, line: line, column: e.column, "\(e.name) is not the \(e.name) of payment \(seq) in the ledger")
                }
                if !manifest.request.covers(unit: p.unit, schoolCode: p.schoolCode, program: p.program, period: p.period) {
                    same = false
                    problem("list-out-of-scope", file, line: line, column: 11, "payment \(seq) is not in the scope of the request")
                }
                let status = p.reversed ? reversed : paid
                if f[9] != status {
                    same = false
                    problem("list-status", file, line: line, column: 10,
                            f[9] == paid || f[9] == reversed ? "状态 must be \(status): payment \(seq) \(p.reversed ? "was undone by a valid reversal" : "was not reversed")"
                                                             : "状态 must be 已发放 or 已冲销")
                }
                if same { outcome.rowsConfirmed += 1 }
                let key = (p.unit, p.schoolCode, p.program, p.period, seq)
                if let previous = previousKey, !Self.precedes(previous, key) {
                    problem("list-order", file, line: line, "rows must be ordered by unit, school code, programme, period and seq")
                }
                previousKey = key
            }
            for p in inScope where !listed.contains(p.seq) {
                problem("list-missing", file, "payment \(p.seq) is in scope but not listed")
            }
            let paidRows = inScope.filter { !$0.reversed }
            let sum = paidRows.reduce(Int64(0)) { add($0, $1.amountFen) }
            let f = last.fields
            if f.count != listHeader.count || f[1...7].contains(where: { !$0.isEmpty }) || f[10] != "" {
                problem("list-total", file, line: last.line, "the 合计 line must be 合计,,,,,,,,<amount>,已发放 <count> 人次,")
            } else {
                if f[8] != yuan(sum) { problem("list-total", file, line: last.line, column: 9, "the sum of the 已发放 amounts is \(yuan(sum))") }
                if f[9] != "已发放 \(paidRows.count) 人次" { problem("list-total", file, line: last.line, column: 10, "there are \(paidRows.count) 已发放 rows") }
            }
        }

        /// (unit, school code, programme, period) by Unicode scalars, then seq numerically.
        static func precedes(_ a: (String, String, String, String, UInt64), _ b: (String, String, String, String, UInt64)) -> Bool {
            for (x, y) in [(a.0, b.0), (a.1, b.1), (a.2, b.2), (a.3, b.3)] where x != y { return x.utf8.lexicographicallyPrecedes(y.utf8) }
            return a.4 < b.4
        }

        // MARK: (5) totals.csv

        mutating func checkTotals(inScope: [Payment]) {
            let file = "totals.csv"
            guard let records = records(file) else { return }
            guard let header = records.first, header.fields == totalsHeader else {
                problem("totals-header", file, line: 1, "the header is not \(totalsHeader.joined(separator: ","))")
                return
            }
            // The expected rows: 已发放 payments by (unit, programme, stage), in order.
            struct Key: Hashable { let unit: String, program: String, stage: Int }
            var sums: [Key: (count: Int64, fen: Int64)] = [:]
            var allCount: Int64 = 0, allFen: Int64 = 0
            for p in inScope where !p.reversed {
                let key = Key(unit: p.unit, program: p.program, stage: Stage.allCases.firstIndex(of: p.stage) ?? 0)
                let s = sums[key] ?? (0, 0)
                sums[key] = (s.count + 1, add(s.fen, p.amountFen))
                allCount += 1
                allFen = add(allFen, p.amountFen)
            }
            let order = sums.keys.sorted { a, b in
                if a.unit != b.unit { return a.unit.utf8.lexicographicallyPrecedes(b.unit.utf8) }
                if a.program != b.program { return a.program.utf8.lexicographicallyPrecedes(b.program.utf8) }
                return a.stage < b.stage
            }
            var position: [[String]: Int] = [:]
            for (i, k) in order.enumerated() { position[[cellText(k.unit), cellText(k.program), stageName(Stage.allCases[k.stage])]] = i }
            guard records.count >= 2, let last = records.last, last.fields.first == total else {
                problem("totals-total", file, line: records.last?.line, "the last line is not the 合计 line")
                return
            }
            var seen = Set<Int>()
            var previous = -1
            for record in records.dropFirst().dropLast() {
                let f = record.fields
                guard f.count == totalsHeader.count else { problem("totals-layout", file, line: record.line, "\(f.count) fields, the header has \(totalsHeader.count)"); continue }
                guard let i = position[Array(f[0..<3])] else {
                    problem("totals-row-unknown", file, line: record.line, "no 已发放 payment in scope has this unit, programme and stage")
                    continue
                }
                guard seen.insert(i).inserted else { problem("totals-duplicate", file, line: record.line, "this unit, programme and stage appear twice"); continue }
                if i < previous { problem("totals-order", file, line: record.line, "rows must be ordered by unit, programme and stage") }
                previous = max(previous, i)
                let s = sums[order[i]] ?? (0, 0)
                if f[3] != "\(s.count)" { problem("totals-mismatch", file, line: record.line, column: 4, "人次 is \(s.count) by the list") }
                if f[4] != yuan(s.fen) { problem("totals-mismatch", file, line: record.line, column: 5, "金额(元) is \(yuan(s.fen)) by the list") }
            }
            for (i, k) in order.enumerated() where !seen.contains(i) {
                problem("totals-row-missing", file, "no row for unit \(k.unit), programme \(k.program), stage \(stageName(Stage.allCases[k.stage])), which has 已发放 payments")
            }
            let f = last.fields
            if f.count != totalsHeader.count || f[1] != "" || f[2] != "" {
                problem("totals-total", file, line: last.line, "the 合计 line must be 合计,,,<count>,<amount>")
            } else {
                if f[3] != "\(allCount)" { problem("totals-total", file, line: last.line, column: 4, "the 已发放 rows of the list are \(allCount)") }
                if f[4] != yuan(allFen) { problem("totals-total", file, line: last.line, column: 5, "the 已发放 amounts of the list add up to \(yuan(allFen))") }
            }
        }

        // MARK: (6) categories.csv

        /// `counted`: the payments of entries 1 … size of the request's units and periods, in every school and
        /// programme.
        mutating func checkCategories(counted: [Payment], threshold: Int64) {
            let file = "categories.csv"
            guard let records = records(file) else { return }
            guard let header = records.first?.fields, header.count >= 3, header[0] == "单位", header[header.count - 1] == total,
                  header[header.count - 2] == unregistered else {
                problem("categories-header", file, line: 1, "the header must be 单位,<categories>,未登记,合计")
                return
            }
            let categories = header[1..<(header.count - 2)]
            for (a, b) in zip(categories, categories.dropFirst()) where !a.utf8.lexicographicallyPrecedes(b.utf8) {
                problem("categories-header", file, line: 1, "the categories must be sorted by Unicode scalars and unique")
                break
            }
            if categories.contains(where: { $0.isEmpty || $0 == unregistered || $0 == total }) {
                problem("categories-header", file, line: 1, "a category is empty or named 未登记 or 合计")
            }
            let width = header.count, totalColumn = width - 1
            var paidByUnit: [String: Int64] = [:]
            for p in counted where !p.reversed { paidByUnit[cellText(p.unit), default: 0] += 1 }
            let allPaid = paidByUnit.values.reduce(0, +)
            guard records.count >= 2, let lastRecord = records.last, lastRecord.fields.first == total else {
                problem("categories-layout", file, line: records.last?.line, "the last line is not the 合计 row")
                return
            }
            /// A cell: its value, or nil when suppressed (`*`); a cell that is neither is reported and treated as suppressed.
            func cells(_ record: Record) -> [Int64?]? {
                guard record.fields.count == width else {
                    problem("categories-layout", file, line: record.line, "\(record.fields.count) fields, the header has \(width)")
                    return nil
                }
                var out: [Int64?] = []
                for (j, text) in record.fields.enumerated().dropFirst() {
                    if text == "*" {
                        if j == totalColumn { problem("categories-cell", file, line: record.line, column: j + 1, "a 合计 cell is never suppressed") }
                        out.append(nil)
                    } else if let v = count(text) {
                        out.append(v)
                    } else {
                        problem("categories-cell", file, line: record.line, column: j + 1, "a cell must be a non-negative integer or *")
                        out.append(nil)
                    }
                }
                return out
            }
            var rows: [(line: Int, cells: [Int64?])] = []
            var seenUnits = Set<String>()
            var previousUnit: String? = nil
            for record in records.dropFirst().dropLast() {
                guard let row = cells(record) else { continue }
                let unit = record.fields[0]
                if !seenUnits.insert(unit).inserted { problem("categories-layout", file, line: record.line, column: 1, "the unit appears twice") }
                if let previousUnit, !previousUnit.utf8.lexicographicallyPrecedes(unit.utf8) {
                    problem("categories-layout", file, line: record.line, column: 1, "unit rows must be ordered by unit")
                }
                previousUnit = unit
                let expected = paidByUnit[unit] ?? 0
                if row[totalColumn - 1] != expected {
                    problem("categories-row-total", file, line: record.line, column: width, "合计 must be the unit's \(expected) 已发放 payments in the request's units and periods (every school and programme)")
                }
                rows.append((record.line, row))
            }
            for unit in paidByUnit.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) where !seenUnits.contains(unit) {
                problem("categories-row-missing", file, "no row for unit \(unit), which has 已发放 payments")
            }
            guard let totals = cells(lastRecord) else { return }
            if totals[totalColumn - 1] != allPaid {
                problem("categories-column-sum", file, line: lastRecord.line, column: width, "the grand total must be the \(allPaid) 已发放 payments in the request's units and periods (every school and programme)")
            }
            // Each equation: its cells (nil = suppressed) and the value they add up to, where it is known.
            var equations: [(cells: [Int64?], sum: Int64?, line: Int?, column: Int?, what: String)] = []
            for r in rows { equations.append((Array(r.cells[0..<(totalColumn - 1)]), r.cells[totalColumn - 1], r.line, nil, "a unit row")) }
            for j in 0..<(totalColumn - 1) {
                equations.append((rows.map { $0.cells[j] }, totals[j], lastRecord.line, j + 2, "column \(j + 2)"))
            }
            equations.append((Array(totals[0..<(totalColumn - 1)]), totals[totalColumn - 1], lastRecord.line, nil, "the 合计 row"))
            equations.append((rows.map { $0.cells[totalColumn - 1] }, totals[totalColumn - 1], lastRecord.line, width, "the 合计 column"))
            for (k, e) in equations.enumerated() {
                let hidden = e.cells.filter { $0 == nil }.count + (e.sum == nil ? 1 : 0)
                if hidden == 0, let sum = e.sum, e.cells.reduce(Int64(0), { add($0, $1 ?? 0) }) != sum {
                    let code = k < rows.count ? "categories-row-sum" : "categories-column-sum"
                    problem(code, file, line: e.line, column: e.column, "\(e.what): the cells do not add up to its 合计 \(sum)")
                }
                if hidden == 1 {
                    problem("categories-suppression", file, line: e.line, column: e.column, "\(e.what) has exactly one suppressed cell: it can be subtracted back")
                }
            }
            // Primary suppression: no category cell (未登记 included) shows a count below the threshold.
            for r in rows {
                for (j, v) in r.cells[0..<(totalColumn - 1)].enumerated() {
                    if let v, v > 0, v < threshold {
                        problem("categories-suppression", file, line: r.line, column: j + 2, "a count below the threshold \(threshold) is shown")
                    }
                }
            }
        }

        // MARK: (7) the summary

        mutating func checkSummary(inScope: [Payment], manifest: DisclosureManifest) {
            let paidRows = inScope.filter { !$0.reversed }
            let expected = DisclosureManifest.Summary(payments: Int64(inScope.count), paid: Int64(paidRows.count), reversed: Int64(inScope.count - paidRows.count),
                                                      paidFen: paidRows.reduce(Int64(0)) { add($0, $1.amountFen) })
            if manifest.summary != expected {
                problem("summary-mismatch", manifestName, line: 2,
                        "summary must be payments \(expected.payments), paid \(expected.paid), reversed \(expected.reversed), paid_fen \(expected.paidFen)")
            }
        }
    }
}
