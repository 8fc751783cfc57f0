import LedgerCore

/// What a 公示 (public disclosure) export covers and says: its scope (units, schools, programmes, periods; an
/// empty list means every value), the title printed on it, the 公示 period and the public office to complain to.
/// Part of every manifest (docs/FORMAT.md §18), so the same request over the same ledger state gives the same files.
public struct DisclosureRequest: Sendable, Equatable, Codable {
    /// Unit codes (accounting units, e.g. `430626`); empty: every unit of the ledger.
    public var units: [String]
    /// School codes; empty: every school.
    public var schools: [String]
    /// Programme names as the ledger has them (e.g. `寄宿生生活补助`); empty: every programme.
    public var programs: [String]
    /// Periods (`2025-autumn`, `2025-09`, `2025`); empty: every period.
    public var periods: [String]
    /// The title printed on every file (e.g. `平江县2025年秋季学期学生资助公示`).
    public var title: String
    /// First and last day of the 公示 period, `YYYY-MM-DD`, both included.
    public var publicityStart: String
    public var publicityEnd: String
    /// Where the public complains (an office and its telephone; never a person's private number).
    public var contact: String

    public init(units: [String] = [], schools: [String] = [], programs: [String] = [], periods: [String] = [],
                title: String, publicityStart: String, publicityEnd: String, contact: String) {
        self.units = units
        self.schools = schools
        self.programs = programs
        self.periods = periods
        self.title = title
        self.publicityStart = publicityStart
        self.publicityEnd = publicityEnd
        self.contact = contact
    }

    /// Whether a payment with these public members is in the scope.
    public func covers(unit: String, schoolCode: String, program: String, period: String) -> Bool {
        (units.isEmpty || units.contains(unit)) && (schools.isEmpty || schools.contains(schoolCode))
            && (programs.isEmpty || programs.contains(program)) && (periods.isEmpty || periods.contains(period))
    }
}

/// One payment as a disclosure sees it: the public members of its ledger entry (docs/FORMAT.md §6.4), the name
/// already masked (`NameMask`), whether a valid reversal undid it, and its difficulty category — which is used
/// only to count people in the category table and never written on a per-person list.
public struct DisclosedPayment: Sendable, Equatable {
    public var seq: Int64
    public var unit: String
    public var schoolCode: String
    public var schoolName: String
    public var program: String
    public var period: String
    /// `preschool`, `primary`, `junior`, `senior`, `vocational` or `higher` (the entry's value).
    public var stage: String
    public var grade: String
    public var amountFen: Int64
    public var maskedName: String
    /// Seq of the valid reversal entry that undid this payment, if any.
    public var reversedBy: Int64?
    /// The category the payment committed to (e.g. `建档立卡`), if its opening was read; nil when none.
    public var category: String?

    public init(seq: Int64, unit: String, schoolCode: String, schoolName: String, program: String, period: String, stage: String,
                grade: String, amountFen: Int64, maskedName: String, reversedBy: Int64? = nil, category: String? = nil) {
        self.seq = seq
        self.unit = unit
        self.schoolCode = schoolCode
        self.schoolName = schoolName
        self.program = program
        self.period = period
        self.stage = stage
        self.grade = grade
        self.amountFen = amountFen
        self.maskedName = maskedName
        self.reversedBy = reversedBy
        self.category = category
    }
}
