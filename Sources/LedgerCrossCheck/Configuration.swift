import LedgerCore
import LedgerCrypto

/// The cross-check's rules and standards as data (`Config/crosscheck/`): files an officer reads and edits,
/// validated when loaded with precise errors (file:line:column: field: why). A run records the SHA-256 digest of
/// every file it used (`ConfigurationFile.digest`).
public struct CrossCheckConfiguration: Sendable {
    public var programs: [ProgramDefinition]
    public var standards: [StandardRow]
    public var mutexes: [MutexPair]
    public var categories: [CategoryEvidence]
    public var units: [UnitDefinition]
    public var rules: [RuleSetting]
    public var thresholds: Thresholds
    /// The files it was loaded from, with their digests, in name order.
    public var files: [ConfigurationFile]

    public init(programs: [ProgramDefinition], standards: [StandardRow], mutexes: [MutexPair], categories: [CategoryEvidence],
                units: [UnitDefinition], rules: [RuleSetting], thresholds: Thresholds, files: [ConfigurationFile]) {
        self.programs = programs
        self.standards = standards
        self.mutexes = mutexes
        self.categories = categories
        self.units = units
        self.rules = rules
        self.thresholds = thresholds
        self.files = files
    }
}

/// A configuration file a run used: its name (e.g. `standards.csv`) and SHA-256 of its bytes (hex).
public struct ConfigurationFile: Sendable, Equatable {
    public let name: String
    public let sha256: String
    public init(name: String, sha256: String) {
        self.name = name
        self.sha256 = sha256
    }
}

/// How often a programme pays: per term (`YYYY-spring` / `YYYY-autumn`, half the yearly standard each unless the
/// standard says otherwise), per month (`YYYY-MM`) or per year (`YYYY`).
public enum PaymentSchedule: String, Sendable, CaseIterable {
    case term, monthly, yearly
}

/// A programme (资助项目): its canonical name, the names officers also write, and what it covers.
public struct ProgramDefinition: Sendable, Equatable {
    /// Canonical name, e.g. 寄宿生生活补助. Findings and standards use it.
    public let name: String
    /// Other names for it (e.g. 寄宿生补助, 家庭经济困难寄宿生生活补助); compared exactly after trimming.
    public let aliases: [String]
    public let stages: [Stage]
    /// true: boarders only; false: non-boarders only; nil: either.
    public let boarding: Bool?
    /// Difficulty categories the programme is for (困难类型, e.g. 脱贫, 低保); empty: no category is needed
    /// (XC-02 then does not apply, e.g. 国家奖学金).
    public let categories: [String]
    public let schedule: PaymentSchedule
    /// How it may be paid (XC-11).
    public let accountTypes: [AccountType]
    /// Whether XC-20 (应助未助) looks for eligible students this programme did not pay.
    public let checkUnpaid: Bool

    public init(name: String, aliases: [String], stages: [Stage], boarding: Bool?, categories: [String], schedule: PaymentSchedule,
                accountTypes: [AccountType], checkUnpaid: Bool) {
        self.name = name
        self.aliases = aliases
        self.stages = stages
        self.boarding = boarding
        self.categories = categories
        self.schedule = schedule
        self.accountTypes = accountTypes
        self.checkUnpaid = checkUnpaid
    }
}

/// One row of the standards table (XC-08): what one payment of a programme should be for a stage, boarding
/// status and region, from a date.
public struct StandardRow: Sendable, Equatable {
    public let program: String
    public let stage: Stage
    /// nil: boarders and non-boarders alike.
    public let boarding: Bool?
    /// `*` (everywhere) or a unit-code prefix (`43` a province, `4306` a city, `430626` a county); the longest
    /// matching prefix wins.
    public let region: String
    /// `YYYY-MM-DD`, inclusive: the standard applies to periods starting on or after it.
    public let effectiveFrom: String
    /// `YYYY-MM-DD`, inclusive; nil: until replaced.
    public let effectiveTo: String?
    /// The yearly standard in fen; a range (min < max) for programmes paid in tiers.
    public let yearlyMinFen: Int64
    public let yearlyMaxFen: Int64
    /// The share of the yearly standard one payment is: numerator / denominator (1/2 a term, 1/10 a month).
    public let shareNumerator: Int64
    public let shareDenominator: Int64
    /// Where it was defined, for evidence: `standards.csv line 12`.
    public let source: String

    public init(program: String, stage: Stage, boarding: Bool?, region: String, effectiveFrom: String, effectiveTo: String?,
                yearlyMinFen: Int64, yearlyMaxFen: Int64, shareNumerator: Int64, shareDenominator: Int64, source: String) {
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
        self.source = source
    }

    /// The lowest and highest amount one payment may be (fen); `0...0` for a row whose share or amounts make no
    /// sense (`paymentBoundsFen` is nil), which the loader refuses.
    public var paymentRangeFen: ClosedRange<Int64> {
        guard let bounds = paymentBoundsFen else { return 0...0 }
        return bounds.min...bounds.max
    }
}

/// Two programmes one person may not both receive in the same school year (XC-06), e.g. 国家奖学金 and
/// 国家励志奖学金, or 寄宿生生活补助 and 非寄宿生生活补助.
public struct MutexPair: Sendable, Equatable {
    public let first: String
    public let second: String
    public let reason: String
    public init(first: String, second: String, reason: String) {
        self.first = first
        self.second = second
        self.reason = reason
    }
}

/// Which certificate types prove a difficulty category (XC-02, XC-20), and who issues them.
public struct CategoryEvidence: Sendable, Equatable {
    /// e.g. 低保.
    public let category: String
    /// e.g. [低保证].
    public let certTypes: [String]
    /// The issuing department, for the report (e.g. 民政).
    public let issuer: String
    public init(category: String, certTypes: [String], issuer: String) {
        self.category = category
        self.certTypes = certTypes
        self.issuer = issuer
    }
}

/// A unit (区县 or functional zone) the city knows (XC-18): a GB/T 2260 code or a locally assigned one.
public struct UnitDefinition: Sendable, Equatable {
    public let code: String
    public let name: String
    /// Locally assigned (functional zones without a GB/T 2260 code, e.g. 屈原管理区).
    public let local: Bool
    public init(code: String, name: String, local: Bool) {
        self.code = code
        self.name = name
        self.local = local
    }
}

/// A rule's setting: on or off, its severity and the action text the report shows.
public struct RuleSetting: Sendable, Equatable {
    public let rule: RuleCode
    public let enabled: Bool
    public let severity: Severity
    /// What to do, in Chinese (e.g. 核实证件；无证者追回资金).
    public let action: String
    public init(rule: RuleCode, enabled: Bool, severity: Severity, action: String) {
        self.rule = rule
        self.enabled = enabled
        self.severity = severity
        self.action = action
    }
}

/// Numbers the rules compare against.
public struct Thresholds: Sendable, Equatable {
    /// XC-10: an account paid for more distinct people than this is a finding (siblings share a parent's card).
    public var maxPersonsPerAccount: Int = 2
    /// When a spring term starts (`MM-DD`): a certificate must be valid on that day (XC-02).
    public var springTermStart: String = "03-01"
    /// When an autumn term starts (`MM-DD`).
    public var autumnTermStart: String = "09-01"
    /// XC-08: a difference up to this many fen is rounding, not a finding.
    public var amountToleranceFen: Int64 = 0

    public init() {}
}
