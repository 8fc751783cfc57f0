/// Reads the working calendar (`Config/disclosure/calendar.csv`): UTF-8 (a BOM is allowed), LF or CRLF lines,
/// the header `date,kind`, then one line per day, `YYYY-MM-DD,holiday` (a State Council public holiday) or
/// `YYYY-MM-DD,workday` (a weekend day made a working day, 调休). Blank lines are ignored. A day listed twice, a
/// workday that is not a Saturday or Sunday, or any other malformed line rejects the file with its line.
extension WorkingCalendar {
    public static func load(csv bytes: [UInt8], file: String) throws(DisclosureError) -> WorkingCalendar {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        let lines = body.split(separator: 0x0A, omittingEmptySubsequences: false).map { line -> String in
            String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
        }
        guard let header = lines.first, header == "date,kind" else {
            throw .invalidCalendar(file: file, line: 1, column: nil, why: "the header must be exactly date,kind")
        }
        var holidays: [CivilDate] = []
        var workdays: [CivilDate] = []
        var seen: Set<CivilDate> = []
        for (i, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let number = i + 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 2 else {
                throw .invalidCalendar(file: file, line: number, column: nil, why: "expected 2 fields, found \(fields.count)")
            }
            guard let date = CivilDate(String(fields[0])) else {
                throw .invalidCalendar(file: file, line: number, column: 1, why: "date: not a date YYYY-MM-DD")
            }
            guard seen.insert(date).inserted else {
                throw .invalidCalendar(file: file, line: number, column: 1, why: "date: listed on an earlier line")
            }
            switch fields[1] {
            case "holiday": holidays.append(date)
            case "workday":
                guard date.weekday >= 6 else {
                    throw .invalidCalendar(file: file, line: number, column: 2, why: "kind: a workday must be a Saturday or Sunday")
                }
                workdays.append(date)
            default: throw .invalidCalendar(file: file, line: number, column: 2, why: "kind: must be holiday or workday")
            }
        }
        guard !holidays.isEmpty else { throw .invalidCalendar(file: file, line: 1, column: nil, why: "no holiday listed") }
        return WorkingCalendar(holidays: holidays, workdays: workdays)
    }
}
