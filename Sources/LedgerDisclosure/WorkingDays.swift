import LedgerCore

/// A day of the Gregorian calendar, from a `YYYY-MM-DD` string (`FieldSyntax.isDate`: years 1900–2999).
public struct CivilDate: Sendable, Hashable, Comparable {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Nil unless `text` is a valid `YYYY-MM-DD` date.
    public init?(_ text: String) {
        guard FieldSyntax.isDate(text) else { return nil }
        let b = Array(text.utf8)
        func number(_ r: Range<Int>) -> Int { r.reduce(0) { $0 * 10 + Int(b[$1] &- 0x30) } }
        self.init(year: number(0..<4), month: number(5..<7), day: number(8..<10))
    }

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Days since 1970-01-01 (negative before), by the proleptic Gregorian calendar.
    public var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day number (the inverse of `dayNumber`; meaningful within ±10¹⁵ days, never trapping).
    public init(dayNumber: Int) {
        let z = dayNumber &+ 719_468
        let era = (z >= 0 ? z : z &- 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let d = dayOfYear - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yearOfEra + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    /// ISO weekday: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday).
    public var weekday: Int {
        let r = (dayNumber + 3) % 7
        return (r < 0 ? r + 7 : r) + 1
    }

    public var text: String {
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(year)-\(two(month))-\(two(day))"
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { a.dayNumber < b.dayNumber }
}

/// Which days are working days in China: Monday to Friday, except the State Council's public holidays, plus the
/// weekend days it makes working days (调休). Loaded from `Config/disclosure/calendar.csv`
/// (`WorkingCalendar.load`); it knows only the years it has entries for and refuses to count in others.
public struct WorkingCalendar: Sendable, Equatable {
    /// Holidays (day numbers); a holiday that falls on a weekend changes nothing.
    public private(set) var holidays: Set<Int>
    /// Weekend days that are working days (day numbers).
    public private(set) var workdays: Set<Int>
    /// The years the calendar has entries for.
    public private(set) var years: Set<Int>

    public init(holidays: [CivilDate] = [], workdays: [CivilDate] = [], years: Set<Int>? = nil) {
        self.holidays = Set(holidays.map(\.dayNumber))
        self.workdays = Set(workdays.map(\.dayNumber))
        self.years = years ?? Set(holidays.map(\.year) + workdays.map(\.year))
    }

    public func isWorkingDay(_ date: CivilDate) -> Bool {
        let n = date.dayNumber
        if workdays.contains(n) { return true }
        if holidays.contains(n) { return false }
        return date.weekday <= 5
    }

    /// Working days from `start` to `end`, both included (0 when `end` is before `start`). Refuses a span with
    /// a year the calendar has no entries for: it would silently count that year's holidays as working days.
    public func workingDays(from start: CivilDate, through end: CivilDate) throws(DisclosureError) -> Int {
        guard start <= end else { return 0 }
        for year in start.year...end.year where !years.contains(year) { throw .calendarDoesNotCover(year: year) }
        var count = 0
        for n in start.dayNumber...end.dayNumber where isWorkingDay(CivilDate(dayNumber: n)) { count += 1 }
        return count
    }

    /// The 公示 period of a request: its working days, checked to be at least `minimum`. The dates must be
    /// `YYYY-MM-DD` and the end must not be before the start.
    public func publicityWorkingDays(start: String, end: String, minimum: Int = 5) throws(DisclosureError) -> Int {
        guard minimum >= 1 else { throw .invalidMinimumWorkingDays(minimum) }
        guard let s = CivilDate(start) else { throw .invalidRequest(field: "publicity_start", why: "not a date YYYY-MM-DD") }
        guard let e = CivilDate(end) else { throw .invalidRequest(field: "publicity_end", why: "not a date YYYY-MM-DD") }
        guard s <= e else { throw .invalidRequest(field: "publicity_end", why: "before publicity_start") }
        let days = try workingDays(from: s, through: e)
        guard days >= minimum else { throw .publicityTooShort(workingDays: days, minimum: minimum) }
        return days
    }
}
