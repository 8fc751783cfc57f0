import LedgerCore
import LedgerCrypto
import LedgerImport

/// Why a configuration was not loaded: every problem found (at most 100), each as `file:line:column: field: why`,
/// sorted by file, line and column. Values are named only when they are configuration words (a programme, a rule
/// code), never a personal value.
public struct ConfigurationRejection: Error, Sendable, CustomStringConvertible {
    public let errors: [InputError]
    /// More problems were found than `errors` holds.
    public let truncated: Bool

    public init(errors: [InputError], truncated: Bool) {
        self.errors = errors
        self.truncated = truncated
    }

    public var description: String {
        errors.map(\.description).joined(separator: "\n") + (truncated ? "\n… more problems not shown" : "")
    }
}

/// The kinds of file a configuration directory holds, told apart by name.
enum ConfigurationFileKind: Int, CaseIterable, Comparable {
    case programs, standards, mutex, categories, units, rules, thresholds

    /// The file every configuration has (`programs.csv`, …).
    var baseName: String {
        switch self {
        case .programs: "programs.csv"
        case .standards: "standards.csv"
        case .mutex: "mutex.csv"
        case .categories: "categories.csv"
        case .units: "units.csv"
        case .rules: "rules.csv"
        case .thresholds: "thresholds.conf"
        }
    }

    /// Whether local files (`programs-<anything>.csv`) may add rows to the base file's.
    var allowsLocalFiles: Bool { self == .programs || self == .standards }

    static func < (a: ConfigurationFileKind, b: ConfigurationFileKind) -> Bool { a.rawValue < b.rawValue }

    enum Classification: Equatable {
        case configuration(ConfigurationFileKind)
        /// Not part of the rules: documentation (`*.md`), pairing files (given to a run on their own), hidden files.
        case ignored
        case unknown
    }

    /// The last path component of a file name.
    static func baseName(of name: String) -> String { String(name.split(separator: "/", omittingEmptySubsequences: false).last ?? "") }

    /// What a file is, by its name (the last path component).
    static func classify(_ name: String) -> Classification {
        let base = baseName(of: name)
        if base.hasPrefix(".") || base.hasSuffix(".md") || (base.hasPrefix("pairing") && base.hasSuffix(".csv")) { return .ignored }
        for kind in allCases {
            if base == kind.baseName { return .configuration(kind) }
            if kind.allowsLocalFiles, base.hasSuffix(".csv"), base.hasPrefix(String(kind.baseName.dropLast(4))) { return .configuration(kind) }
        }
        return .unknown
    }
}

extension CrossCheckConfiguration {
    /// The largest configuration file accepted.
    public static let maxFileBytes = 1 << 20

    /// Loads the rules and standards from the files of a configuration directory (`Config/crosscheck/`): pure, the
    /// caller reads the files and passes their names (the last path component decides what a file is) and bytes.
    ///
    /// - `programs.csv` and `standards.csv`, plus any `programs*.csv` / `standards*.csv` (local programmes and
    ///   standards, e.g. `standards-local-example.csv`), whose rows are added;
    /// - `mutex.csv`, `categories.csv`, `units.csv`, `rules.csv` and `thresholds.conf` (`key = value`);
    /// - `*.md`, `pairing*.csv` and hidden files are not configuration and are skipped; any other file is refused.
    ///
    /// Every file is checked on its own and against the others (a standard or a mutually exclusive pair naming an
    /// unknown programme, standards whose effective dates overlap for the same programme, stage, boarding and
    /// region, a programme category without a `categories.csv` row, a name or alias used twice, a rule the engine
    /// does not know or without a row, a missing file); all problems are reported at once. The result records the
    /// SHA-256 of every file it used (`files`, in name order).
    public static func load(files: [(name: String, bytes: [UInt8])]) throws(ConfigurationRejection) -> CrossCheckConfiguration {
        let problems = ConfigurationProblems()
        var byKind: [ConfigurationFileKind: [(name: String, bytes: [UInt8])]] = [:]
        var used: [ConfigurationFile] = []
        var seenNames: Set<String> = []
        let hash: HashFunction
        do { hash = try HashFunction(.sha256) } catch {
            throw ConfigurationRejection(errors: [InputError(file: "", line: 0, column: 0, field: "", reason: "SHA-256 is not available: \(error)")], truncated: false)
        }
        for file in files {
            guard seenNames.insert(file.name).inserted else {
                problems.add(file.name, 0, 0, "", "the same file name is given twice")
                continue
            }
            switch ConfigurationFileKind.classify(file.name) {
            case .ignored: continue
            case .unknown:
                problems.add(file.name, 0, 0, "", "not a configuration file (expected \(ConfigurationFileKind.allCases.map(\.baseName).joined(separator: ", ")), programs*.csv or standards*.csv; pairing*.csv and *.md are skipped)")
            case .configuration(let kind):
                guard file.bytes.count <= maxFileBytes else {
                    problems.add(file.name, 0, 0, "", "larger than \(maxFileBytes) bytes (is this a configuration file?)")
                    continue
                }
                hash.begin()
                hash.update(file.bytes)
                used.append(ConfigurationFile(name: file.name, sha256: hash.finalize().hex))
                byKind[kind, default: []].append(file)
            }
        }
        for kind in ConfigurationFileKind.allCases where !(byKind[kind] ?? []).contains(where: { ConfigurationFileKind.baseName(of: $0.name) == kind.baseName }) {
            problems.add(kind.baseName, 0, 0, "", "required configuration file missing")
        }
        // The base file first, then local files in name order, so that "already defined" points at the later one.
        func ordered(_ kind: ConfigurationFileKind) -> [(name: String, bytes: [UInt8])] {
            (byKind[kind] ?? []).sorted { a, b in
                let aBase = ConfigurationFileKind.baseName(of: a.name) == kind.baseName, bBase = ConfigurationFileKind.baseName(of: b.name) == kind.baseName
                return aBase != bBase ? aBase : a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
            }
        }
        // Each kind's tables, and whether all of its files were read (a check against a kind that could not be read
        // would only repeat its problems).
        func tables<C: ConfigurationColumn>(_ kind: ConfigurationFileKind, _ type: C.Type) -> (tables: [ConfigurationTable<C>], complete: Bool) {
            let files = ordered(kind)
            let read = files.compactMap { ConfigurationTable<C>.read($0.bytes, file: $0.name, problems: problems) }
            return (read, !files.isEmpty && read.count == files.count)
        }

        let programTables = tables(.programs, ProgramColumn.self)
        var rejectedPrograms: Set<String> = []
        var programRows: [ProgramRow] = []
        for table in programTables.tables {
            let r = ConfigurationRows.programs(table, problems: problems)
            programRows += r.rows
            rejectedPrograms.formUnion(r.rejectedNames)
        }
        let standardTables = tables(.standards, StandardColumn.self)
        var standardDrafts: [StandardDraft] = []
        var programsOfRejectedStandards: Set<String> = []
        for table in standardTables.tables {
            let r = ConfigurationRows.standards(table, problems: problems)
            standardDrafts += r.rows
            programsOfRejectedStandards.formUnion(r.rejectedPrograms)
        }
        let mutexDrafts = tables(.mutex, MutexColumn.self).tables.flatMap { ConfigurationRows.mutexes($0, problems: problems) }
        let categoryTables = tables(.categories, CategoryColumn.self)
        let categories = categoryTables.tables.flatMap { ConfigurationRows.categories($0, problems: problems) }
        let units = tables(.units, UnitColumn.self).tables.flatMap { ConfigurationRows.units($0, problems: problems) }
        let rules = tables(.rules, RuleColumn.self).tables.flatMap { ConfigurationRows.rules($0, problems: problems) }
        var thresholds = Thresholds()
        for file in ordered(.thresholds) { thresholds = ThresholdsFile.read(file.bytes, file: file.name, problems: problems) }

        let programs = CrossFileChecks.programs(programRows, categories: categoryTables.complete ? categories : nil, problems: problems)
        rejectedPrograms.formUnion(Set(programRows.map(\.definition.name)).subtracting(programs.map(\.definition.name)))
        var standards: [StandardRow] = []
        var mutexes: [MutexPair] = []
        if programTables.complete {
            standards = CrossFileChecks.standards(standardDrafts, programs: programs, ignoring: rejectedPrograms, problems: problems)
            if standardTables.complete {
                CrossFileChecks.everyProgramHasAStandard(programs, namedByStandards: Set(standardDrafts.map(\.program)).union(programsOfRejectedStandards), problems: problems)
            }
            mutexes = CrossFileChecks.mutexes(mutexDrafts, programs: programs, ignoring: rejectedPrograms, problems: problems)
        }

        guard problems.isEmpty else { throw problems.rejection }
        return CrossCheckConfiguration(programs: programs.map(\.definition), standards: standards, mutexes: mutexes, categories: categories,
                                       units: units, rules: rules, thresholds: thresholds,
                                       files: used.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) })
    }
}

/// Checks that need more than one file.
enum CrossFileChecks {
    /// Programmes whose names and aliases are unique across all programme files and whose categories each have a
    /// `categories.csv` row; the others are reported and left out.
    /// `categories` nil: categories.csv could not be read, its rows are not checked against.
    static func programs(_ rows: [ProgramRow], categories: [CategoryEvidence]?, problems: ConfigurationProblems) -> [ProgramRow] {
        var names: [String: ProgramRow] = [:]
        var out: [ProgramRow] = []
        let known = categories.map { Set($0.map(\.category)) }
        for row in rows {
            let before = problems.errors.count
            let d = row.definition
            if let other = names[d.name] {
                problems.add(row.file, row.line, row.nameColumn, "name", "\(d.name) already names a programme (\(other.file) line \(other.line))")
            }
            for (i, alias) in d.aliases.enumerated() {
                if alias == d.name {
                    problems.add(row.file, row.line, row.aliasesColumn, "aliases", "item \(i + 1) is the programme's own name")
                } else if let other = names[alias] {
                    problems.add(row.file, row.line, row.aliasesColumn, "aliases", "item \(i + 1) (\(alias)) already names a programme (\(other.file) line \(other.line))")
                }
            }
            for (i, category) in d.categories.enumerated() where known.map({ !$0.contains(category) }) ?? false {
                problems.add(row.file, row.line, row.categoriesColumn, "categories", "item \(i + 1) (\(category)) has no row in categories.csv (which certificates prove it?)")
            }
            for name in [d.name] + d.aliases where names[name] == nil { names[name] = row }
            if problems.errors.count == before { out.append(row) }
        }
        return out
    }

    /// The standards with their programmes resolved to canonical names, checked against the programme (stage,
    /// boarding) and against each other (no two rows for the same programme, stage, region and a boarding both
    /// match may be in effect on the same day).
    /// `ignoring`: names of programme rows refused for their own problems (not reported again here).
    static func standards(_ drafts: [StandardDraft], programs: [ProgramRow], ignoring: Set<String>, problems: ConfigurationProblems) -> [StandardRow] {
        var accepted: [(draft: StandardDraft, program: String)] = []
        for draft in drafts {
            guard let program = programs.first(where: { $0.definition.name == draft.program || $0.definition.aliases.contains(draft.program) })?.definition else {
                if !ignoring.contains(draft.program) {
                    problems.add(draft.file, draft.line, draft.programColumn, "program", "unknown programme (not a name or alias in programs*.csv)")
                }
                continue
            }
            let before = problems.errors.count
            if !program.stages.contains(draft.stage) {
                problems.add(draft.file, draft.line, draft.stageColumn, "stage", "\(program.name) is not for this stage (programs: \(program.stages.map(\.rawValue).joined(separator: ", ")))")
            }
            if let wanted = program.boarding, let b = draft.boarding, b != wanted {
                problems.add(draft.file, draft.line, draft.boardingColumn, "boarding", "\(program.name) is only for \(wanted ? "boarders (是)" : "non-boarders (否)")")
            }
            for earlier in accepted where earlier.program == program.name && earlier.draft.stage == draft.stage && earlier.draft.region == draft.region
                && (earlier.draft.boarding == nil || draft.boarding == nil || earlier.draft.boarding == draft.boarding)
                && overlaps(earlier.draft, draft) {
                problems.add(draft.file, draft.line, draft.effectiveFromColumn, "effective_from",
                             "in effect on the same days as \(earlier.draft.file) line \(earlier.draft.line) (same programme, stage, boarding and region): end one before the other starts")
                break
            }
            if problems.errors.count == before { accepted.append((draft, program.name)) }
        }
        return accepted.map { a in
            StandardRow(program: a.program, stage: a.draft.stage, boarding: a.draft.boarding, region: a.draft.region, effectiveFrom: a.draft.effectiveFrom,
                        effectiveTo: a.draft.effectiveTo, yearlyMinFen: a.draft.yearlyMinFen, yearlyMaxFen: a.draft.yearlyMaxFen,
                        shareNumerator: a.draft.share.numerator, shareDenominator: a.draft.share.denominator, source: "\(a.draft.file) line \(a.draft.line)")
        }
    }

    /// Whether two date ranges (inclusive, an open end running forever) share a day.
    static func overlaps(_ a: StandardDraft, _ b: StandardDraft) -> Bool {
        let aEndsBefore = a.effectiveTo.map { $0 < b.effectiveFrom } ?? false
        let bEndsBefore = b.effectiveTo.map { $0 < a.effectiveFrom } ?? false
        return !aEndsBefore && !bEndsBefore
    }

    /// A programme without any standard would make every payment of it a finding (XC-08): reported. A programme
    /// is covered when a standards row names it (by name or alias), even a row refused for its own problems (which
    /// is reported already).
    static func everyProgramHasAStandard(_ rows: [ProgramRow], namedByStandards names: Set<String>, problems: ConfigurationProblems) {
        for row in rows where !([row.definition.name] + row.definition.aliases).contains(where: names.contains) {
            problems.add(row.file, row.line, row.nameColumn, "name", "\(row.definition.name) has no row in standards*.csv (XC-08 would find every payment of it off-standard)")
        }
    }

    static func mutexes(_ drafts: [MutexDraft], programs: [ProgramRow], ignoring: Set<String>, problems: ConfigurationProblems) -> [MutexPair] {
        var out: [MutexPair] = []
        var seen: [String: Int] = [:]
        for draft in drafts {
            func resolve(_ name: String, _ column: Int, _ field: String) -> String? {
                guard let p = programs.first(where: { $0.definition.name == name || $0.definition.aliases.contains(name) }) else {
                    if !ignoring.contains(name) { problems.add(draft.file, draft.line, column, field, "unknown programme (not a name or alias in programs*.csv)") }
                    return nil
                }
                return p.definition.name
            }
            let first = resolve(draft.first, draft.firstColumn, "first"), second = resolve(draft.second, draft.secondColumn, "second")
            guard let first, let second else { continue }
            guard first != second else {
                problems.add(draft.file, draft.line, draft.secondColumn, "second", "names the same programme as column \(draft.firstColumn)")
                continue
            }
            let key = first < second ? first + "\u{0}" + second : second + "\u{0}" + first
            if let line = seen[key] {
                problems.add(draft.file, draft.line, 0, "", "the same pair as line \(line)")
                continue
            }
            seen[key] = draft.line
            out.append(MutexPair(first: first, second: second, reason: draft.reason))
        }
        return out
    }
}

/// `thresholds.conf`: `key = value` lines (English or Chinese keys), `#` comment lines, blank lines; every key
/// exactly once.
enum ThresholdsFile {
    enum Key: String, CaseIterable {
        case maxPersonsPerAccount = "max_persons_per_account"
        case springTermStart = "spring_term_start"
        case autumnTermStart = "autumn_term_start"
        case amountToleranceFen = "amount_tolerance_fen"

        var names: [String] {
            switch self {
            case .maxPersonsPerAccount: [rawValue, "同一账户最多学生数"]
            case .springTermStart: [rawValue, "春季学期开始"]
            case .autumnTermStart: [rawValue, "秋季学期开始"]
            case .amountToleranceFen: [rawValue, "金额容差(分)"]
            }
        }
    }

    static let maxPersonsPerAccount = 1000
    static let maxToleranceFen: Int64 = 1_000_000

    static func read(_ bytes: [UInt8], file: String, problems: ConfigurationProblems) -> Thresholds {
        var thresholds = Thresholds()
        var start = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
        let body = Array(bytes[start...])
        let valid = body.withUnsafeBytes { isValidUTF8($0) }
        guard valid else {
            var line = 1
            var i = 0
            while i < body.count {
                if body[i] == 0x0a { line += 1; i += 1; continue }
                if body[i] < 0x80 { i += 1; continue }
                guard let n = body.withUnsafeBytes({ UTF8Sequence.length($0, at: i) }) else { break }
                i += n
            }
            problems.add(file, line, 0, "", "invalid UTF-8; save the file as UTF-8")
            return thresholds
        }
        var seen: [Key: Int] = [:]
        // Lines split on LF bytes (a CR before it dropped): as Characters, CR LF would be one.
        let lines = body.split(separator: 0x0a, omittingEmptySubsequences: false)
        for (index, raw) in lines.enumerated() {
            let line = index + 1
            let text = String(decoding: raw.last == 0x0d ? raw.dropLast() : raw, as: UTF8.self)
            let trimmed = text.trimmingASCIIWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let eq = text.firstIndex(where: { $0 == "=" || $0 == "＝" }) else {
                problems.add(file, line, 1, "", "expected key = value (or a # comment)")
                continue
            }
            let name = ConfigurationValue.header(String(text[..<eq]))
            let afterEq = text.index(after: eq)
            let valueText = String(text[afterEq...])
            let value = valueText.trimmingASCIIWhitespace()
            // The value's column: characters before it, plus one.
            let leading = valueText.prefix { $0 == " " || $0 == "\t" }.count
            let column = text.distance(from: text.startIndex, to: afterEq) + leading + 1
            guard let key = Key.allCases.first(where: { $0.names.contains(name) }) else {
                problems.add(file, line, 1, "", "unknown key (expected \(Key.allCases.map(\.rawValue).joined(separator: ", ")))")
                continue
            }
            if let first = seen[key] {
                problems.add(file, line, 1, key.rawValue, "already set on line \(first)")
                continue
            }
            seen[key] = line
            switch key {
            case .maxPersonsPerAccount:
                if let n = ConfigurationValue.smallNumber(value).map(Int.init), n >= 1, n <= maxPersonsPerAccount {
                    thresholds.maxPersonsPerAccount = n
                } else {
                    problems.add(file, line, column, key.rawValue, "must be a whole number from 1 to \(maxPersonsPerAccount)")
                }
            case .springTermStart, .autumnTermStart:
                guard ConfigurationValue.monthDay(value) else {
                    problems.add(file, line, column, key.rawValue, "must be a day of the year MM-DD (not 02-29)")
                    continue
                }
                if key == .springTermStart { thresholds.springTermStart = value } else { thresholds.autumnTermStart = value }
            case .amountToleranceFen:
                if value.utf8.count <= 7, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int64(value), n <= maxToleranceFen {
                    thresholds.amountToleranceFen = n
                } else {
                    problems.add(file, line, column, key.rawValue, "must be a whole number of fen from 0 to \(maxToleranceFen)")
                }
            }
        }
        for key in Key.allCases where seen[key] == nil {
            problems.add(file, 0, 0, key.rawValue, "missing (every threshold is set in the file, so a run's digest says what it used)")
        }
        if let spring = seen[.springTermStart], seen[.autumnTermStart] != nil, ConfigurationValue.monthDay(thresholds.springTermStart),
           ConfigurationValue.monthDay(thresholds.autumnTermStart), thresholds.springTermStart >= thresholds.autumnTermStart {
            problems.add(file, spring, 0, "spring_term_start", "must be before autumn_term_start")
        }
        return thresholds
    }
}
