import LedgerCore
import LedgerCrypto

/// What a cross-check run looked at: the period, when and by whom, the ledgers (each at the checkpoint size it was
/// checked at, and whether it verified), the registry snapshots, the configuration files and the pairing. The
/// report's `run` object; with the findings it makes the report whose digest is anchored in each inspected ledger.
public struct CrossCheckRun: Sendable {
    /// A ledger the run read: checked only when it verified; otherwise `problem` says why not.
    public struct Ledger: Sendable, Equatable {
        public let origin: String
        /// The unit whose ledger it is.
        public let unit: String
        /// The checkpoint size it was read and verified at.
        public let size: UInt64
        /// The Merkle root at that size (hex).
        public let rootHex: String
        public let verified: Bool
        /// Why it did not verify (or could not be read); nil when it verified.
        public let problem: String?

        public init(origin: String, unit: String, size: UInt64, rootHex: String, verified: Bool, problem: String?) {
            self.origin = origin
            self.unit = unit
            self.size = size
            self.rootHex = rootHex
            self.verified = verified
            self.problem = problem
        }
    }

    /// A registry snapshot the run read.
    public struct Snapshot: Sendable, Equatable {
        public let kind: RegistryKind
        public let id: String
        /// `YYYY-MM-DD`: the date the snapshot describes.
        public let asOf: String
        /// SHA-256 of the imported file (hex).
        public let sha256: String
        public let rows: Int

        public init(kind: RegistryKind, id: String, asOf: String, sha256: String, rows: Int) {
            self.kind = kind
            self.id = id
            self.asOf = asOf
            self.sha256 = sha256
            self.rows = rows
        }
    }

    public let period: String
    /// When the run was made (`YYYY-MM-DDTHH:MM:SS.mmmZ`).
    public let time: String
    /// The name of the inspector's key that signs the report's anchor.
    public let inspectorKey: String
    public let ledgers: [Ledger]
    public let snapshots: [Snapshot]
    /// The rule and standards files used, with their digests (`CrossCheckConfiguration.files`).
    public let configurationFiles: [ConfigurationFile]
    /// Which unit inspects which; the report names the inspecting unit of each finding.
    public let pairing: Pairing
    /// Whether personal values (ID numbers, evidence values) are in the report (`--reveal`).
    public let reveal: Bool
    /// Why they were revealed (required with `reveal`).
    public let purpose: String?
    /// Unit names by code, for the printable report (`CrossCheckConfiguration.units`); not part of report.json.
    public let unitNames: [String: String]

    public init(period: String, time: String, inspectorKey: String, ledgers: [Ledger], snapshots: [Snapshot], configurationFiles: [ConfigurationFile],
                pairing: Pairing, reveal: Bool, purpose: String?, units: [UnitDefinition] = []) {
        self.period = period
        self.time = time
        self.inspectorKey = inspectorKey
        self.ledgers = ledgers
        self.snapshots = snapshots
        self.configurationFiles = configurationFiles
        self.pairing = pairing
        self.reveal = reveal
        self.purpose = purpose
        var names: [String: String] = [:]
        for u in units where names[u.code] == nil { names[u.code] = u.name }
        self.unitNames = names
    }
}

/// An inspector's recorded outcome for a finding (a signed ledger entry): the latest one is shown with the finding.
public struct FindingDisposition: Sendable, Equatable {
    public enum Outcome: String, Sendable, CaseIterable {
        /// A confirmed irregularity; `action` says what was done.
        case confirmed
        /// Not an irregularity: `reason` explains it.
        case explained
        /// The rule was wrong here: `reason` says why.
        case falsePositive = "false_positive"

        public var chinese: String {
            switch self {
            case .confirmed: "确认违规"
            case .explained: "已作说明"
            case .falsePositive: "误报"
            }
        }
    }

    public let outcome: Outcome
    public let reason: String
    /// What was done (a confirmed irregularity); nil when nothing is said.
    public let action: String?
    /// The name of the key that signed the disposition.
    public let signer: String
    /// The seq of the disposition entry.
    public let seq: UInt64

    public init(outcome: Outcome, reason: String, action: String?, signer: String, seq: UInt64) {
        self.outcome = outcome
        self.reason = reason
        self.action = action
        self.signer = signer
        self.seq = seq
    }
}

/// Where a finding stands against the previous run, and its latest disposition.
public struct FindingState: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        /// Not in the previous run's report.
        case new
        /// In the previous run's report and found again.
        case open
        /// In the previous run's report, not found now.
        case resolved
    }

    /// Why a resolved finding is no longer found.
    public enum Resolution: String, Sendable, CaseIterable {
        /// A payment it rested on has been reversed.
        case reversal
        /// Otherwise: the registries (or the payments' context) changed.
        case registryChange = "registry_change"
    }

    public var status: Status
    /// Set when `status` is `resolved`.
    public var resolvedBy: Resolution?
    public var disposition: FindingDisposition?

    public init(status: Status, resolvedBy: Resolution? = nil, disposition: FindingDisposition? = nil) {
        self.status = status
        self.resolvedBy = resolvedBy
        self.disposition = disposition
    }

    public static let new = FindingState(status: .new)

    /// 新发现 / 仍未解决 / 已解决（冲正） / 已解决（信息变化）.
    public var chinese: String {
        switch status {
        case .new: "新发现"
        case .open: "仍未解决"
        case .resolved: resolvedBy == .reversal ? "已解决（已冲正）" : "已解决（登记信息变化）"
        }
    }
}

/// A finding of the previous run that is not found now, as the previous report described it (without personal
/// values: those are never carried from one report to the next).
public struct ResolvedFinding: Sendable, Equatable {
    public let id: String
    public let rule: RuleCode
    public let severity: Severity
    public let unit: String
    public let schoolCode: String?
    public let program: String?
    public let period: String
    public let personKey: String?
    public let maskedName: String?
    public let entries: [EntryReference]
    public let amountFen: Int64
    public let summary: String
    public let action: String
    public let resolvedBy: FindingState.Resolution

    public init(id: String, rule: RuleCode, severity: Severity, unit: String, schoolCode: String?, program: String?, period: String, personKey: String?,
                maskedName: String?, entries: [EntryReference], amountFen: Int64, summary: String, action: String, resolvedBy: FindingState.Resolution) {
        self.id = id
        self.rule = rule
        self.severity = severity
        self.unit = unit
        self.schoolCode = schoolCode
        self.program = program
        self.period = period
        self.personKey = personKey
        self.maskedName = maskedName
        self.entries = entries
        self.amountFen = amountFen
        self.summary = summary
        self.action = action
        self.resolvedBy = resolvedBy
    }
}

/// Why a report could not be written (a number the report format cannot carry exactly) or a previous report could
/// not be read.
public struct ReportError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A run's report: its description, the findings with their states, and the previous run's findings now resolved.
/// Renders `report.json` (canonical JSON, whose digest is anchored), `findings.csv` and `report.html`; the same
/// input gives the same bytes.
///
/// Findings are listed by unit, then person (a person's findings together; findings about no person last), then
/// rule and id. Without `reveal` no personal value appears in any output: the person is their keyed person key and
/// masked name, and personal evidence values are left out (a name is masked).
public struct CrossCheckReport: Sendable {
    public let run: CrossCheckRun
    /// In report order.
    public let findings: [Finding]
    /// By finding id; a finding without one is `new`.
    public let states: [String: FindingState]
    /// In report order.
    public let resolved: [ResolvedFinding]

    public init(run: CrossCheckRun, findings: [Finding], states: [String: FindingState] = [:], resolved: [ResolvedFinding] = []) {
        self.run = run
        self.findings = findings.sorted(by: Self.reportOrder)
        self.states = states
        self.resolved = resolved.sorted { a, b in
            Self.precedes((a.unit, a.personKey, a.rule, a.id), (b.unit, b.personKey, b.rule, b.id))
        }
    }

    /// The state shown for a current finding.
    public func state(of finding: Finding) -> FindingState { states[finding.id] ?? .new }

    static func reportOrder(_ a: Finding, _ b: Finding) -> Bool {
        precedes((a.unit, a.personKey, a.rule, a.id), (b.unit, b.personKey, b.rule, b.id))
    }

    /// Unit (bytes), person key (bytes; none last), rule, id.
    static func precedes(_ a: (String, String?, RuleCode, String), _ b: (String, String?, RuleCode, String)) -> Bool {
        if a.0 != b.0 { return ReportText.precedes(a.0, b.0) }
        switch (a.1, b.1) {
        case (let x?, let y?) where x != y: return ReportText.precedes(x, y)
        case (.some, nil): return true
        case (nil, .some): return false
        default: break
        }
        if a.2 != b.2 { return a.2 < b.2 }
        return ReportText.precedes(a.3, b.3)
    }

    /// A count and an amount.
    struct Tally: Equatable {
        var count: Int64 = 0
        var amountFen: Int64 = 0
    }

    /// 人次 and amounts of the current findings by unit and rule, by unit, by rule and in total.
    struct Summary {
        var byUnitRule: [(unit: String, rule: RuleCode, tally: Tally)] = []
        var byUnit: [(unit: String, tally: Tally)] = []
        var byRule: [(rule: RuleCode, tally: Tally)] = []
        var total = Tally()
    }

    /// Counts and sums, refusing a total the report format cannot carry exactly (beyond ±(2^53 − 1)).
    func summary() throws(ReportError) -> Summary {
        var cells: [String: [RuleCode: Tally]] = [:]
        var units: [String: Tally] = [:]
        var rules: [RuleCode: Tally] = [:]
        var total = Tally()
        func add(_ t: inout Tally, _ amount: Int64) throws(ReportError) {
            let (sum, overflow) = t.amountFen.addingReportingOverflow(amount)
            guard !overflow, sum <= JSONValue.maxSafeInteger, sum >= -JSONValue.maxSafeInteger else { throw ReportError("an amount total exceeds what the report can carry exactly") }
            t.amountFen = sum
            t.count += 1
        }
        for f in findings {
            try add(&cells[f.unit, default: [:]][f.rule, default: Tally()], f.amountFen)
            try add(&units[f.unit, default: Tally()], f.amountFen)
            try add(&rules[f.rule, default: Tally()], f.amountFen)
            try add(&total, f.amountFen)
        }
        var s = Summary()
        for unit in units.keys.sorted(by: ReportText.precedes) {
            for rule in RuleCode.allCases { if let t = cells[unit]?[rule] { s.byUnitRule.append((unit, rule, t)) } }
            s.byUnit.append((unit, units[unit] ?? Tally()))
        }
        for rule in RuleCode.allCases { if let t = rules[rule] { s.byRule.append((rule, t)) } }
        s.total = total
        return s
    }

    /// The persons of the current findings, by person key: the masked name and the ids of their findings in report
    /// order.
    func persons() -> [(key: String, maskedName: String?, findings: [String])] {
        var byKey: [String: (maskedName: String?, findings: [String])] = [:]
        for f in findings {
            guard let key = f.personKey else { continue }
            var entry = byKey[key] ?? (nil, [])
            if entry.maskedName == nil { entry.maskedName = f.maskedName }
            entry.findings.append(f.id)
            byKey[key] = entry
        }
        return byKey.keys.sorted(by: ReportText.precedes).map { key in (key, byKey[key]?.maskedName, byKey[key]?.findings ?? []) }
    }

    /// The value an evidence item shows: itself, or for a personal value without `reveal` a masked name or nothing.
    func shownValue(_ e: Evidence) -> (value: String?, masked: Bool) {
        guard e.personal, !run.reveal else { return (e.value, false) }
        return ReportText.isNameField(e.field) ? (NameMask.mask(e.value), true) : (nil, true)
    }
}

/// Text helpers shared by the three renderers.
enum ReportText {
    /// Byte order of the UTF-8 encodings: the same on every platform.
    static func precedes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    /// Personal evidence fields that hold a person's name (`name`, `identity_name`, 姓名…): masked, not left out,
    /// without `reveal`.
    static func isNameField(_ field: String) -> Bool {
        let f = field.lowercased()
        return f.contains("name") || f.contains("姓名")
    }

    /// Fen as yuan with two decimals, without floating point (`-12.05` for -1205).
    static func yuan(_ fen: Int64) -> String {
        let magnitude = fen.magnitude
        let whole = magnitude / 100, cents = magnitude % 100
        return (fen < 0 ? "-" : "") + String(whole) + "." + (cents < 10 ? "0" : "") + String(cents)
    }

    static func severity(_ s: Severity) -> String {
        switch s {
        case .high: "高"
        case .medium: "中"
        case .low: "低"
        }
    }

    /// `origin#seq`.
    static func entry(_ e: EntryReference) -> String { e.origin + "#" + String(e.seq) }
}
