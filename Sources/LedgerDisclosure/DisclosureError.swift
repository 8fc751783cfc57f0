/// Why a disclosure could not be made. Messages name the field, file, line or column and why, never a
/// personal value.
public enum DisclosureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A request member is missing or malformed (`publicity_start`, `publicity_end`, `title`, `contact`).
    case invalidRequest(field: String, why: String)
    /// The 公示 period has fewer working days than required.
    case publicityTooShort(workingDays: Int, minimum: Int)
    /// The working calendar has no entries for a year of the 公示 period.
    case calendarDoesNotCover(year: Int)
    /// The suppression threshold is below `DisclosureTables.minimumThreshold` (3): a smaller one protects no one.
    case invalidThreshold(Int)
    /// The minimum number of working days is below 1.
    case invalidMinimumWorkingDays(Int)
    /// The checkpoint's size is below 1 or its root is not lowercase hex of 32 bytes.
    case invalidCheckpoint(why: String)
    /// Two payments carry the same ledger seq.
    case duplicateSeq(Int64)
    /// A sum of amounts does not fit in 64 bits.
    case amountOverflow(file: String)
    /// The working calendar file is malformed (`line` from 1; `column` from 1 when known).
    case invalidCalendar(file: String, line: Int, column: Int?, why: String)
    /// A spreadsheet could not be written.
    case spreadsheet(file: String, why: String)

    public var description: String {
        switch self {
        case .invalidRequest(let field, let why): "request: \(field): \(why)"
        case .publicityTooShort(let days, let minimum):
            "request: publicity_start..publicity_end: \(days) working days, at least \(minimum) are required"
        case .calendarDoesNotCover(let year):
            "the working calendar has no entries for \(year): add the State Council's holiday notice for \(year) to Config/disclosure/calendar.csv"
        case .invalidThreshold(let t): "threshold: \(t) is below \(DisclosureTables.minimumThreshold): a smaller threshold does not protect the people counted"
        case .invalidMinimumWorkingDays(let n): "minimum working days: \(n) is below 1"
        case .invalidCheckpoint(let why): "checkpoint: \(why)"
        case .duplicateSeq(let seq): "payments: seq \(seq) appears more than once"
        case .amountOverflow(let file): "\(file): a sum of amounts exceeds the 64-bit range"
        case .invalidCalendar(let file, let line, let column, let why):
            column.map { "\(file):\(line):\($0): \(why)" } ?? "\(file):\(line): \(why)"
        case .spreadsheet(let file, let why): "\(file): \(why)"
        }
    }
}
