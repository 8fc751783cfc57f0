import LedgerDisclosure
import Testing

/// Working days with the shipped calendar (Config/disclosure/calendar.csv), and the calendar file's checks.
@Suite struct WorkingDaysTests {
    func days(_ a: String, _ b: String) throws -> Int {
        try DisclosureFixture.calendar().workingDays(from: CivilDate(a)!, through: CivilDate(b)!)
    }

    @Test func anOrdinaryWeekHasFiveWorkingDays() throws {
        #expect(try days("2025-11-03", "2025-11-09") == 5)
        #expect(try days("2025-11-08", "2025-11-09") == 0)
        #expect(try days("2025-11-03", "2025-11-03") == 1)
        #expect(try days("2025-11-04", "2025-11-03") == 0)
    }

    @Test func nationalDayAndItsAdjustedWorkdays() throws {
        // 2025: 10-01…10-08 off; Sunday 09-28 and Saturday 10-11 are working days.
        #expect(try days("2025-09-28", "2025-09-28") == 1)
        #expect(try days("2025-10-01", "2025-10-08") == 0)
        #expect(try days("2025-09-26", "2025-10-12") == 7)  // Fri 26, Sun 28, Mon 29, Tue 30, Thu 9, Fri 10, Sat 11
        #expect(try days("2025-10-09", "2025-10-17") == 8)
        // 2026: 10-01…10-07 off; Sunday 09-20 and Saturday 10-10 working; 中秋 09-25…27 off.
        #expect(try days("2026-09-20", "2026-09-20") == 1)
        #expect(try days("2026-09-21", "2026-09-27") == 4)
        #expect(try days("2026-10-01", "2026-10-10") == 3)  // Thu 8, Fri 9, Sat 10
    }

    @Test func springFestivalAndNewYear() throws {
        #expect(try days("2025-01-26", "2025-02-08") == 6)  // Sun 26, Mon 27; 28–4 off; Wed 5, Thu 6, Fri 7, Sat 8
        #expect(try days("2026-01-01", "2026-01-04") == 1)  // Thu 1–Sat 3 off, Sun 4 working
        #expect(try days("2026-02-14", "2026-02-28") == 6)  // Sat 14; 15–23 off; Tue 24–Fri 27; Sat 28
    }

    @Test func weekdaysAndDayNumbers() {
        #expect(CivilDate("1970-01-01")!.dayNumber == 0)
        #expect(CivilDate("1970-01-01")!.weekday == 4)
        #expect(CivilDate("2025-10-01")!.weekday == 3)
        #expect(CivilDate("2026-02-28")!.weekday == 6)
        #expect(CivilDate("2000-02-29") != nil)
        #expect(CivilDate("1900-02-29") == nil)
        #expect(CivilDate("2025-02-30") == nil)
        for n in stride(from: -30_000, through: 400_000, by: 997) { #expect(CivilDate(dayNumber: n).dayNumber == n) }
        #expect(CivilDate(dayNumber: CivilDate("2024-03-01")!.dayNumber - 1).text == "2024-02-29")
        // Out-of-range day numbers give some date, never a trap.
        for n in [Int.max, Int.min, Int.max - 719_468, Int.min + 1] { #expect((1...12).contains(CivilDate(dayNumber: n).month)) }
    }

    @Test func theShippedCalendarCoversTwoYears() throws {
        let c = try DisclosureFixture.calendar()
        #expect(c.years == [2025, 2026])
        #expect(c.holidays.count == 61)
        #expect(c.workdays.count == 11)
        #expect(throws: DisclosureError.calendarDoesNotCover(year: 2024)) { try c.workingDays(from: CivilDate("2024-12-30")!, through: CivilDate("2025-01-03")!) }
    }

    @Test func aMalformedCalendarIsRefusedWithItsLine() {
        func load(_ text: String) throws { _ = try WorkingCalendar.load(csv: Array(text.utf8), file: "c.csv") }
        #expect(throws: DisclosureError.invalidCalendar(file: "c.csv", line: 1, column: nil, why: "the header must be exactly date,kind")) { try load("day,kind\n") }
        #expect(throws: DisclosureError.invalidCalendar(file: "c.csv", line: 3, column: 1, why: "date: not a date YYYY-MM-DD")) { try load("date,kind\n2025-10-01,holiday\n2025-1-2,holiday\n") }
        #expect(throws: DisclosureError.invalidCalendar(file: "c.csv", line: 2, column: 2, why: "kind: must be holiday or workday")) { try load("date,kind\n2025-10-01,off\n") }
        #expect(throws: DisclosureError.invalidCalendar(file: "c.csv", line: 2, column: 2, why: "kind: a workday must be a Saturday or Sunday")) { try load("date,kind\n2025-10-13,workday\n") }
        #expect(throws: DisclosureError.invalidCalendar(file: "c.csv", line: 3, column: 1, why: "date: listed on an earlier line")) { try load("date,kind\n2025-10-01,holiday\n2025-10-01,holiday\n") }
        #expect(throws: DisclosureError.invalidCalendar(file: "c.csv", line: 2, column: nil, why: "expected 2 fields, found 3")) { try load("date,kind\n2025-10-01,holiday,x\n") }
        #expect(throws: DisclosureError.invalidCalendar(file: "c.csv", line: 1, column: nil, why: "no holiday listed")) { try load("date,kind\n") }
        // A BOM, CRLF and blank lines are fine.
        #expect((try? WorkingCalendar.load(csv: [0xEF, 0xBB, 0xBF] + Array("date,kind\r\n\r\n2025-10-01,holiday\r\n".utf8), file: "c.csv"))?.holidays.count == 1)
    }
}
