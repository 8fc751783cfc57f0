/// The registries a cross-check reads (DESIGN §4): enrollment (学籍), certificates (证) and identity (身份).
/// Rows hold personal values in clear: they are read from files an inspector imports, kept like openings (never
/// logged, readable only by inspectors) and joined through the keyed person key, never a plain hash.

/// Which registry a snapshot is of.
public enum RegistryKind: String, Sendable, CaseIterable, Codable {
    case enrollment, certificates, identity
}

/// 学籍状态.
public enum EnrollmentStatus: String, Sendable, CaseIterable {
    /// 在读
    case enrolled
    /// 休学
    case suspended
    /// 转出
    case transferredOut = "transferred_out"
    /// 毕业
    case graduated
    /// 辍学
    case droppedOut = "dropped_out"
    /// 死亡
    case deceased

    /// The Chinese word officers use.
    public var chinese: String {
        switch self {
        case .enrolled: "在读"
        case .suspended: "休学"
        case .transferredOut: "转出"
        case .graduated: "毕业"
        case .droppedOut: "辍学"
        case .deceased: "死亡"
        }
    }

    /// Whether a payment after the status date pays someone who has left (XC-07).
    public var isExit: Bool { self != .enrolled }
}

/// One row of an enrollment registry snapshot: a student's place at a school and its status.
public struct EnrollmentRecord: Sendable, Equatable {
    /// The 1-based line of the row in the imported file (evidence names it).
    public var line: Int
    /// Normalised (final X in capitals).
    public var idNumber: String
    public var name: String
    public var unit: String
    public var schoolCode: String
    public var schoolName: String
    public var stage: Stage
    public var grade: String
    public var boarding: Bool
    public var status: EnrollmentStatus
    /// `YYYY-MM-DD`, when the status began; nil when the file gives none (an enrolled student).
    public var statusDate: String?
    /// 学籍号 (e.g. "G" + ID number); nil when absent.
    public var studentNumber: String?

    public init(line: Int, idNumber: String, name: String, unit: String, schoolCode: String, schoolName: String, stage: Stage, grade: String,
                boarding: Bool, status: EnrollmentStatus, statusDate: String?, studentNumber: String?) {
        self.line = line
        self.idNumber = idNumber
        self.name = name
        self.unit = unit
        self.schoolCode = schoolCode
        self.schoolName = schoolName
        self.stage = stage
        self.grade = grade
        self.boarding = boarding
        self.status = status
        self.statusDate = statusDate
        self.studentNumber = studentNumber
    }
}

/// 证书状态.
public enum CertificateStatus: String, Sendable, CaseIterable {
    /// 有效
    case valid
    /// 注销
    case cancelled

    public var chinese: String { self == .valid ? "有效" : "注销" }
}

/// One row of a certificate registry snapshot: a record in an issuing department's list.
public struct CertificateRecord: Sendable, Equatable {
    public var line: Int
    /// e.g. 低保证, 残疾人证, 特困人员救助供养证, 脱贫户, 监测对象, 孤儿.
    public var certType: String
    public var certNumber: String
    /// The holder's ID number, normalised.
    public var idNumber: String
    public var name: String
    /// The unit (county code) of the issuing department.
    public var issuerUnit: String
    /// `YYYY-MM-DD`, inclusive.
    public var validFrom: String
    /// `YYYY-MM-DD`, inclusive; nil: open-ended.
    public var validTo: String?
    public var status: CertificateStatus

    public init(line: Int, certType: String, certNumber: String, idNumber: String, name: String, issuerUnit: String, validFrom: String,
                validTo: String?, status: CertificateStatus) {
        self.line = line
        self.certType = certType
        self.certNumber = certNumber
        self.idNumber = idNumber
        self.name = name
        self.issuerUnit = issuerUnit
        self.validFrom = validFrom
        self.validTo = validTo
        self.status = status
    }
}

/// One row of an identity registry snapshot (the public-security population register).
public struct IdentityRecord: Sendable, Equatable {
    public var line: Int
    public var idNumber: String
    public var name: String
    public var alive: Bool
    /// `YYYY-MM-DD`; set when `alive` is false and the date is known.
    public var deathDate: String?

    public init(line: Int, idNumber: String, name: String, alive: Bool, deathDate: String?) {
        self.line = line
        self.idNumber = idNumber
        self.name = name
        self.alive = alive
        self.deathDate = deathDate
    }
}

/// The rows of the three registries a run reads, each as of a date.
public struct RegistryData: Sendable {
    public var enrollment: [EnrollmentRecord]
    public var certificates: [CertificateRecord]
    public var identity: [IdentityRecord]

    public init(enrollment: [EnrollmentRecord] = [], certificates: [CertificateRecord] = [], identity: [IdentityRecord] = []) {
        self.enrollment = enrollment
        self.certificates = certificates
        self.identity = identity
    }
}

/// Name masking for anything shown to the public or printed in a report without `--reveal` (domain.md §4):
/// one scheme everywhere, so that two lists can never be combined into more than either shows.
public enum NameMask {
    /// 1 character → `*`; 2 → first and `*` (张*); 3 or more → first, one `*` per hidden character, last (张*明, 欧阳**明).
    public static func mask(_ name: String) -> String {
        let c = Array(name)
        switch c.count {
        case 0: return ""
        case 1: return "*"
        case 2: return String(c[0]) + "*"
        default: return String(c[0]) + String(repeating: "*", count: c.count - 2) + String(c[c.count - 1])
        }
    }
}
