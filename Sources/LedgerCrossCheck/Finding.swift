import LedgerCore
import LedgerCrypto

/// The rules of the catalogue (domain.md §7) the engine runs, plus XC-20 (应助未助).
public enum RuleCode: String, Sendable, CaseIterable, Comparable {
    case idValid = "XC-01"
    case personNoCert = "XC-02"
    case certNoPerson = "XC-03"
    case nameIDMismatch = "XC-04"
    case duplicateProgram = "XC-05"
    case mutex = "XC-06"
    case statusAfterExit = "XC-07"
    case amountStandard = "XC-08"
    case payee = "XC-10"
    case method = "XC-11"
    case disabilityCertificate = "XC-16"
    case studentNumberMatch = "XC-17"
    case unitMap = "XC-18"
    case eligibleUnpaid = "XC-20"

    /// The catalogue's short name.
    public var shortName: String {
        switch self {
        case .idValid: "ID_VALID"
        case .personNoCert: "PERSON_NO_CERT"
        case .certNoPerson: "CERT_NO_PERSON"
        case .nameIDMismatch: "NAME_ID_MISMATCH"
        case .duplicateProgram: "DUP_PROGRAM"
        case .mutex: "MUTEX"
        case .statusAfterExit: "STATUS_AFTER_EXIT"
        case .amountStandard: "AMOUNT_STD"
        case .payee: "PAYEE"
        case .method: "METHOD"
        case .disabilityCertificate: "DISAB_CERT"
        case .studentNumberMatch: "XJH_MATCH"
        case .unitMap: "UNIT_MAP"
        case .eligibleUnpaid: "ELIGIBLE_UNPAID"
        }
    }

    /// The inspectors' Chinese name.
    public var chineseName: String {
        switch self {
        case .idValid: "身份证号无效"
        case .personNoCert: "有人无证"
        case .certNoPerson: "有证无人"
        case .nameIDMismatch: "姓名与身份证号不符"
        case .duplicateProgram: "重复享受"
        case .mutex: "互斥项目同时享受"
        case .statusAfterExit: "离校后仍发放"
        case .amountStandard: "金额不符标准"
        case .payee: "收款账户异常"
        case .method: "发放方式不合规"
        case .disabilityCertificate: "残疾证号不符"
        case .studentNumberMatch: "学籍号与身份证号不符"
        case .unitMap: "单位代码无法识别"
        case .eligibleUnpaid: "应助未助"
        }
    }

    public static func < (a: RuleCode, b: RuleCode) -> Bool { a.rawValue < b.rawValue }
}

public enum Severity: String, Sendable, CaseIterable, Comparable {
    case high, medium, low

    var rank: Int { self == .high ? 0 : self == .medium ? 1 : 2 }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// One fact that shows a finding: a value from a registry row, a payment or a standard.
public struct Evidence: Sendable, Equatable {
    /// `payment`, `enrollment`, `certificates`, `identity`, `standards` or `config`.
    public let source: String
    /// Where in the source: an entry (`origin#seq`), a file line (`line 17`) or a configuration key.
    public let locator: String
    public let field: String
    public let value: String
    /// A personal value (ID number, name, category, certificate, account): shown only with `--reveal`.
    public let personal: Bool

    public init(source: String, locator: String, field: String, value: String, personal: Bool) {
        self.source = source
        self.locator = locator
        self.field = field
        self.value = value
        self.personal = personal
    }
}

/// A lead, not a verdict: what a rule found, about whom, resting on which entries and rows, and what to do.
public struct Finding: Sendable, Equatable {
    /// Stable across runs for the same rule, subject, programme and period (`FindingID`).
    public let id: String
    public let rule: RuleCode
    public let severity: Severity
    /// The unit responsible (the paying unit, or the issuer for a certificate problem).
    public let unit: String
    public let schoolCode: String?
    public let program: String?
    public let period: String
    /// The person's keyed person key (hex), grouping a person's findings; nil when no person is involved.
    public let personKey: String?
    /// The person's ID number and name, for `--reveal` and the masked name; nil when no person is involved.
    public let idNumber: String?
    public let name: String?
    /// The ledger entries involved, in ledger and seq order.
    public let entries: [EntryReference]
    /// The amount involved (fen): the payments' total, or the shortfall/excess for XC-08.
    public let amountFen: Int64
    /// What the rule saw, in the words of the inspector (Chinese), without personal values.
    public let summary: String
    public let evidence: [Evidence]
    /// What to do (Chinese).
    public let action: String

    public init(id: String, rule: RuleCode, severity: Severity, unit: String, schoolCode: String?, program: String?, period: String,
                personKey: String?, idNumber: String?, name: String?, entries: [EntryReference], amountFen: Int64, summary: String,
                evidence: [Evidence], action: String) {
        self.id = id
        self.rule = rule
        self.severity = severity
        self.unit = unit
        self.schoolCode = schoolCode
        self.program = program
        self.period = period
        self.personKey = personKey
        self.idNumber = idNumber
        self.name = name
        self.entries = entries
        self.amountFen = amountFen
        self.summary = summary
        self.evidence = evidence
        self.action = action
    }

    public var maskedName: String? { name.map(NameMask.mask) }
}

/// Finding identifiers: the same rule, subject, programme and period give the same id in every run, so a
/// finding keeps its identity (and its disposition) from one run to the next.
///
/// `id = hex(first 16 bytes of SHA-256("aidledger/v1/finding" 0x00 rule 0x00 subject 0x00 program 0x00 period))`,
/// where `subject` is the person key (hex) for a finding about a person, otherwise what the finding is about
/// (`account:` + the keyed account, `unit:` + the unit code, `cert:` + the keyed certificate number). Person keys
/// are keyed hashes, so an id tells nobody whose finding it is.
public enum FindingID {
    public static func make(rule: RuleCode, subject: String, program: String, period: String) throws -> String {
        let h = try HashFunction(.sha256)
        h.begin()
        h.update("aidledger/v1/finding")
        for part in [rule.rawValue, subject, program, period] {
            h.update(byte: 0)
            h.update(part)
        }
        return Hex.encode(h.finalize().bytes.prefix(16))
    }
}
