import LedgerCore
import LedgerCrypto

/// The signed manifest of a 公示 export (`manifest.note`, docs/FORMAT.md §18.1): which ledger and checkpoint the
/// files were derived from, the request, the 公示 period, the contact, the suppression threshold, a summary of the
/// list, and every file's size and SHA-256. A C2SP signed note signed by the ledger key (key name = origin, as
/// checkpoints, FORMAT.md §11) over the note text
///
///     aidledger/v1/disclosure-manifest LF <canonical JSON of the members, one line> LF
///
/// The ledger records it with a `disclosure` entry whose `manifest_sha256` is `sha256` (the note text's SHA-256).
public struct DisclosureManifest: Sendable, Equatable {
    /// The note text's first line.
    public static let noteHeader = "aidledger/v1/disclosure-manifest"
    /// The files of an export other than the manifest, in the order the manifest lists them (sorted by name).
    public static let fileNames = ["categories.csv", "categories.html", "categories.xlsx", "list.csv", "list.html", "list.xlsx",
                                   "totals.csv", "totals.html", "totals.xlsx"]

    /// One file of the export: its name, byte count and SHA-256.
    public struct File: Sendable, Equatable {
        public let name: String
        public let bytes: Int64
        public let sha256: Digest32

        public init(name: String, bytes: Int64, sha256: Digest32) {
            self.name = name
            self.bytes = bytes
            self.sha256 = sha256
        }

        /// The entry for `contents` named `name` (SHA-256 whatever the ledger's suite).
        public init(name: String, contents: [UInt8]) throws {
            self.init(name: name, bytes: Int64(contents.count), sha256: try HashFunction(.sha256).hash(contents))
        }
    }

    /// The rows of list.csv: all of them (`payments`), those 已发放 (`paid`) and 已冲销 (`reversed`), and the sum of
    /// the 已发放 amounts in fen.
    public struct Summary: Sendable, Equatable {
        public var payments: Int64
        public var paid: Int64
        public var reversed: Int64
        public var paidFen: Int64

        public init(payments: Int64, paid: Int64, reversed: Int64, paidFen: Int64) {
            self.payments = payments
            self.paid = paid
            self.reversed = reversed
            self.paidFen = paidFen
        }
    }

    public var origin: String
    public var suite: Suite
    /// The checkpoint the export was derived from.
    public var checkpointSize: UInt64
    public var checkpointRoot: Digest32
    /// The request; its `units`, `schools`, `programs` and `periods` are sorted (by Unicode scalars) and unique.
    public var request: DisclosureRequest
    /// Working days of the 公示 period (`WorkingDays`).
    public var workingDays: Int64
    /// The suppression threshold of categories.csv (≥ 1).
    public var threshold: Int64
    public var summary: Summary
    /// Sorted by name.
    public var files: [File]

    /// A manifest; the request's lists are sorted and made unique, the files sorted by name.
    public init(origin: String, suite: Suite, checkpointSize: UInt64, checkpointRoot: Digest32, request: DisclosureRequest, workingDays: Int64,
                threshold: Int64, summary: Summary, files: [File]) {
        self.origin = origin
        self.suite = suite
        self.checkpointSize = checkpointSize
        self.checkpointRoot = checkpointRoot
        var r = request
        r.units = Self.sortedUnique(r.units)
        r.schools = Self.sortedUnique(r.schools)
        r.programs = Self.sortedUnique(r.programs)
        r.periods = Self.sortedUnique(r.periods)
        self.request = r
        self.workingDays = workingDays
        self.threshold = threshold
        self.summary = summary
        self.files = files.sorted { Self.precedes($0.name, $1.name) }
    }

    /// Order by Unicode scalar values (the same as UTF-8 byte order).
    static func precedes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    static func sortedUnique(_ list: [String]) -> [String] {
        var out: [String] = []
        for s in list.sorted(by: precedes) where out.last != s { out.append(s) }
        return out
    }

    // MARK: - the note

    /// The members as a JSON object (FORMAT.md §18.1). Integers beyond the format's range are written as its
    /// largest (such a manifest cannot describe a real export, and the parser rejects nothing it can write).
    public var json: JSONValue {
        func int(_ n: Int64) -> JSONValue { .int(max(-JSONValue.maxSafeInteger, min(n, JSONValue.maxSafeInteger))) }
        func strings(_ list: [String]) -> JSONValue { .array(list.map { .string($0) }) }
        return .object([
            "origin": .string(origin),
            "suite": .string(suite.rawValue),
            "checkpoint": .object(["size": int(Int64(clamping: checkpointSize)), "root": .string(checkpointRoot.hex)]),
            "request": .object(["units": strings(request.units), "schools": strings(request.schools), "programs": strings(request.programs),
                                "periods": strings(request.periods), "title": .string(request.title)]),
            "publicity": .object(["start": .string(request.publicityStart), "end": .string(request.publicityEnd), "working_days": int(workingDays)]),
            "contact": .string(request.contact),
            "threshold": int(threshold),
            "summary": .object(["payments": int(summary.payments), "paid": int(summary.paid), "reversed": int(summary.reversed),
                                "paid_fen": int(summary.paidFen)]),
            "files": .array(files.map { .object(["name": .string($0.name), "bytes": int($0.bytes), "sha256": .string($0.sha256.hex)]) }),
        ])
    }

    /// The signed text: the header line and the canonical JSON line, each ending in LF.
    public var noteText: String {
        Self.noteHeader + "\n" + String(decoding: CanonicalJSON.encode(json), as: UTF8.self) + "\n"
    }

    /// SHA-256 of the note text (signature lines excluded): the `manifest_sha256` of the `disclosure` entry.
    public var sha256: Digest32 {
        get throws { try HashFunction(.sha256).hash(Array(noteText.utf8)) }
    }

    /// The manifest signed by the ledger key, whose name must be the origin.
    public func signed(by ledgerKey: NamedSigningKey) throws -> SignedNote {
        guard ledgerKey.name == origin, ledgerKey.suite == suite else {
            throw FormatError(.badKey, "the manifest of \(origin) must be signed by its ledger key (named after the origin, suite \(suite.rawValue))")
        }
        return try SignedNote.sign(text: noteText, with: ledgerKey)
    }

    // MARK: - parsing

    /// Where in manifest.note a parse failed: line 1 is the header line, line 2 the JSON; `column` counts bytes
    /// from 1 within the line (nil when the line as a whole is wrong).
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let line: Int?
        public let column: Int?
        public let why: String
        public var description: String { "\(line.map { "line \($0)" } ?? "manifest")\(column.map { ", column \($0)" } ?? ""): \(why)" }
    }

    /// Parses manifest.note as published: a signed note (not verified here; `verify`) whose text is a manifest.
    public static func parse(note bytes: [UInt8]) throws(ParseError) -> (manifest: DisclosureManifest, note: SignedNote) {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw ParseError(line: nil, column: nil, why: "not UTF-8 text") }
        let note: SignedNote
        do { note = try SignedNote(parsing: text) } catch {
            throw ParseError(line: nil, column: nil, why: "not a signed note: \(error.message)")
        }
        return (try DisclosureManifest(parsingText: note.text), note)
    }

    /// Parses a note text: exactly the header line and one line of canonical JSON with exactly the members of
    /// FORMAT.md §18.1.
    public init(parsingText text: String) throws(ParseError) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == 3, lines[2].isEmpty else { throw ParseError(line: nil, column: nil, why: "the note text must be exactly two lines (header and JSON)") }
        guard lines[0] == Self.noteHeader else { throw ParseError(line: 1, column: 1, why: "the first line must be \(Self.noteHeader)") }
        let value: JSONValue
        do { value = try JSONParser.parse(Array(lines[1].utf8), mode: .canonical) } catch {
            throw ParseError(line: 2, column: error.offset + 1, why: "not canonical JSON: \(error.reason)")
        }
        do { self = try Self.decode(value) } catch {
            throw ParseError(line: 2, column: nil, why: error.message)
        }
    }

    static func decode(_ value: JSONValue) throws(FormatError) -> DisclosureManifest {
        var r = try FieldReader(value, context: "manifest")
        let origin = try r.string("origin", { VerifierKey.isValidName($0) }, expected: "a ledger origin")
        let suite = try r.oneOf("suite", Suite.self)

        var c = try FieldReader(try r.value("checkpoint"), context: "manifest.checkpoint")
        let size = UInt64(try c.int("size", min: 1))
        let root = try c.digest("root")
        try c.finish()

        var q = try FieldReader(try r.value("request"), context: "manifest.request")
        let units = try sortedList(&q, "units", FieldSyntax.isToken, "unit codes")
        let schools = try sortedList(&q, "schools", FieldSyntax.isToken, "school codes")
        let programs = try sortedList(&q, "programs", { FieldSyntax.isText($0) }, "programme names (text)")
        let periods = try sortedList(&q, "periods", FieldSyntax.isPeriod, "periods")
        let title = try q.string("title", { FieldSyntax.isText($0) }, expected: "1–200 characters of text")
        try q.finish()

        var p = try FieldReader(try r.value("publicity"), context: "manifest.publicity")
        let start = try p.string("start", FieldSyntax.isDate, expected: "a date YYYY-MM-DD")
        let end = try p.string("end", FieldSyntax.isDate, expected: "a date YYYY-MM-DD")
        guard start <= end else { throw FormatError(.badField, "manifest.publicity.end: must not be before start") }
        let workingDays = try p.int("working_days", min: 1)
        try p.finish()

        let contact = try r.string("contact", { FieldSyntax.isText($0) }, expected: "1–200 characters of text")
        let threshold = try r.int("threshold", min: 1)

        var s = try FieldReader(try r.value("summary"), context: "manifest.summary")
        let summary = Summary(payments: try s.int("payments", min: 0), paid: try s.int("paid", min: 0), reversed: try s.int("reversed", min: 0),
                              paidFen: try s.int("paid_fen", min: 0))
        try s.finish()

        let f = try r.value("files")
        guard case .array(let items) = f else { throw FormatError(.badField, "manifest.files: must be an array, found \(f.typeName)") }
        var files: [File] = []
        for (i, item) in items.enumerated() {
            var e = try FieldReader(item, context: "manifest.files[\(i)]")
            let name = try e.string("name", { Self.fileNames.contains($0) }, expected: "one of \(Self.fileNames.joined(separator: ", "))")
            files.append(File(name: name, bytes: try e.int("bytes", min: 0), sha256: try e.digest("sha256")))
            try e.finish()
        }
        guard files.map(\.name) == Self.fileNames else {
            throw FormatError(.badField, "manifest.files: must list exactly \(Self.fileNames.joined(separator: ", ")), in that order, once each")
        }
        try r.finish()
        let request = DisclosureRequest(units: units, schools: schools, programs: programs, periods: periods, title: title,
                                        publicityStart: start, publicityEnd: end, contact: contact)
        return DisclosureManifest(origin: origin, suite: suite, checkpointSize: size, checkpointRoot: root, request: request, workingDays: workingDays,
                                  threshold: threshold, summary: summary, files: files)
    }

    /// An array of strings, each passing `check`, in strictly increasing Unicode-scalar order.
    static func sortedList(_ r: inout FieldReader, _ field: String, _ check: (String) -> Bool, _ what: String) throws(FormatError) -> [String] {
        let v = try r.value(field)
        guard case .array(let items) = v else { throw FormatError(.badField, "manifest.request.\(field): must be an array, found \(v.typeName)") }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item, check(s) else { throw FormatError(.badField, "manifest.request.\(field): must hold \(what)") }
            if let last = out.last, !precedes(last, s) { throw FormatError(.badField, "manifest.request.\(field): must be sorted and without repeats") }
            out.append(s)
        }
        return out
    }

    // MARK: - verification

    /// Whether `note` carries a valid signature of `ledgerKey` (the genesis ledger key of the manifest's ledger),
    /// named after the manifest's origin.
    public func isSigned(_ note: SignedNote, by ledgerKey: VerifierKey) -> Bool {
        ledgerKey.name == origin && note.text == noteText && note.verify(with: ledgerKey)
    }
}
