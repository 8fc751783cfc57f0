import LedgerCore
import LedgerCrypto

/// Where an entry is: its ledger, seq and entry hash. Findings name the entries they rest on.
public struct EntryReference: Sendable, Hashable, Comparable {
    public let origin: String
    public let seq: UInt64
    public let hash: Digest32

    public init(origin: String, seq: UInt64, hash: Digest32) {
        self.origin = origin
        self.seq = seq
        self.hash = hash
    }

    public static func < (a: EntryReference, b: EntryReference) -> Bool { (a.origin, a.seq) < (b.origin, b.seq) }
}

/// One payment of a verified ledger as the cross-check sees it: the clear fields of its entry and the personal
/// values of its openings (nil where an opening was never given or was erased).
public struct PaidItem: Sendable, Equatable {
    public let entry: EntryReference
    public let batchID: String
    public let unit: String
    public let schoolCode: String
    public let schoolName: String
    public let program: String
    public let period: String
    public let stage: Stage
    public let grade: String
    public let boarding: Bool
    public let amountFen: Int64
    public let accountType: AccountType
    public let paidDate: String
    /// Set on a supplementary payment (补发).
    public let supplementary: String?
    /// Personal values by field (from the openings); never logged.
    public let personal: [PersonalField: String]
    /// The reversal that corrected this payment, when there is one: a reversed payment no longer counts as paid.
    public var reversedBy: EntryReference?

    public init(entry: EntryReference, batchID: String, unit: String, schoolCode: String, schoolName: String, program: String, period: String,
                stage: Stage, grade: String, boarding: Bool, amountFen: Int64, accountType: AccountType, paidDate: String,
                supplementary: String? = nil, personal: [PersonalField: String], reversedBy: EntryReference? = nil) {
        self.entry = entry
        self.batchID = batchID
        self.unit = unit
        self.schoolCode = schoolCode
        self.schoolName = schoolName
        self.program = program
        self.period = period
        self.stage = stage
        self.grade = grade
        self.boarding = boarding
        self.amountFen = amountFen
        self.accountType = accountType
        self.paidDate = paidDate
        self.supplementary = supplementary
        self.personal = personal
        self.reversedBy = reversedBy
    }

    /// From a decoded payment body and its openings.
    public init(entry: EntryReference, body: PaymentBody, personal: [PersonalField: String], reversedBy: EntryReference? = nil) {
        self.init(entry: entry, batchID: body.batchID, unit: body.unit, schoolCode: body.schoolCode, schoolName: body.schoolName,
                  program: body.program, period: body.period, stage: body.stage, grade: body.grade, boarding: body.boarding,
                  amountFen: body.amountFen, accountType: body.accountType, paidDate: body.paidDate, supplementary: body.supplementary,
                  personal: personal, reversedBy: reversedBy)
    }

    public var idNumber: String? { personal[.idNumber] }
    public var name: String? { personal[.name] }
}

/// Everything one run looks at: the payments of the ledgers that verified, the registries, the period.
public struct CrossCheckInput: Sendable {
    /// The period checked (e.g. `2025-autumn`); payments of other periods are context (duplicates, exits).
    public let period: String
    /// Payments of every verified ledger, any order.
    public let payments: [PaidItem]
    public let registries: RegistryData
    /// The units whose ledgers were checked (XC-20 looks for unpaid eligible students only there).
    public let units: [String]

    public init(period: String, payments: [PaidItem], registries: RegistryData, units: [String]) {
        self.period = period
        self.payments = payments
        self.registries = registries
        self.units = units
    }
}
