/// Resident identity numbers (GB 11643-1999): 6-digit address code, 8-digit birth date, 3-digit sequence
/// (odd = male), and an ISO 7064 MOD 11-2 check character.
public enum IDNumber {
    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checkCharacters: [Character] = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]

    /// Why an ID number is invalid. The messages never repeat the number itself.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case length(Int)
        case nonDigit(position: Int)
        case birthDate
        /// The birth date is after the latest allowed (today).
        case futureBirthDate
        case checksum

        public var description: String {
            switch self {
            case .length(let n): "must be 18 characters, found \(n)"
            case .nonDigit(let p): "character \(p) must be a digit"
            case .birthDate: "characters 7–14 are not a real birth date"
            case .futureBirthDate: "characters 7–14 give a birth date in the future"
            case .checksum: "check character does not match (GB 11643 MOD 11-2)"
            }
        }
    }

    /// The check character for the first 17 digits.
    public static func checkCharacter(forFirst17 digits: [UInt8]) -> Character {
        var sum = 0
        for i in 0..<17 { sum += Int(digits[i] - 0x30) * weights[i] }
        return checkCharacters[sum % 11]
    }

    /// Validates format, birth date (1800 – `maxYear`, and not after `latestBirthDay`, a day number, when
    /// given) and checksum. A lowercase `x` is accepted as `X` by `normalize`, not here.
    public static func validate(_ id: String, maxYear: Int = 2100, latestBirthDay: Int64? = nil) throws(Problem) {
        let b = Array(id.utf8)
        guard b.count == 18 else { throw .length(id.count) }
        for i in 0..<17 where !(0x30...0x39).contains(b[i]) { throw .nonDigit(position: i + 1) }
        guard (0x30...0x39).contains(b[17]) || b[17] == UInt8(ascii: "X") else { throw .nonDigit(position: 18) }
        // Birth years from 1800: GB 11643's own sample 440524188001010014 is born in 1880.
        guard let year = FieldSyntax.digits(b[6..<10]), let month = FieldSyntax.digits(b[10..<12]), let day = FieldSyntax.digits(b[12..<14]),
              year >= 1800, year <= maxYear, month >= 1, month <= 12, day >= 1, day <= FieldSyntax.daysIn(month: month, year: year) else {
            throw .birthDate
        }
        if let latestBirthDay, Timestamp.daysFromCivil(y: Int64(year), m: Int64(month), d: Int64(day)) > latestBirthDay { throw .futureBirthDate }
        guard Character(Unicode.Scalar(b[17])) == checkCharacter(forFirst17: Array(b[0..<17])) else { throw .checksum }
    }

    /// The shape of an ID number — 17 digits and a digit or X — whatever its birth date and check character say.
    /// Registries are imported as their departments keep them: a number of this shape whose birth date or check
    /// character is wrong is a finding of the cross-check (XC-01), not a file error.
    public static func hasShape(_ id: String) -> Bool {
        let b = Array(id.utf8)
        guard b.count == 18 else { return false }
        for i in 0..<17 where !(0x30...0x39).contains(b[i]) { return false }
        return (0x30...0x39).contains(b[17]) || b[17] == UInt8(ascii: "X")
    }

    public static func isValid(_ id: String) -> Bool {
        do { try validate(id); return true } catch { return false }
    }

    /// Trims spaces and upper-cases a trailing x.
    public static func normalize(_ id: String) -> String {
        var s = id.trimmingASCIIWhitespace()
        if s.hasSuffix("x") { s = String(s.dropLast()) + "X" }
        return s
    }
}

extension String {
    /// The string without leading and trailing ASCII spaces, tabs, CR and LF.
    public func trimmingASCIIWhitespace() -> String {
        func ws(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0d || c == 0x0a }
        // Most fields have nothing to trim: return them without copying.
        if let f = utf8.first, let l = utf8.last, !ws(f), !ws(l) { return self }
        let u = Array(utf8)
        var start = 0, end = u.count
        while start < end, ws(u[start]) { start += 1 }
        while end > start, ws(u[end - 1]) { end -= 1 }
        return String(decoding: u[start..<end], as: UTF8.self)
    }
}
