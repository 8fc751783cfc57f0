import LedgerCore

/// ID numbers as the run's indexes hold them: a well-formed number (17 digits and a check character 0–9 or X)
/// packed into 64 bits, so that the millions of registry rows are indexed and joined by integer keys rather than
/// by hashing strings; and the checks of XC-01 on the packed form, without allocating.
struct IDNumberKey {
    /// A well-formed number read once: its key and what XC-01 needs.
    struct Parsed {
        /// digits × 11 + check value (X = 10): below 2^63.
        let packed: UInt64
        /// Whether the check character is the GB 11643 MOD 11-2 one for the 17 digits.
        let checksumMatches: Bool
        /// Characters 7–14 as a number, YYYYMMDD.
        let birthDate: Int
        /// Characters 1–2.
        let province: Int
    }

    /// Reads an 18-character number of 17 digits and a check character 0–9, X or x (x counts as X); nil for
    /// anything else.
    static func parse(_ id: String) -> Parsed? {
        var id = id
        return id.withUTF8 { b -> Parsed? in
            guard b.count == 18 else { return nil }
            var packed: UInt64 = 0
            var weighted = 0
            var birth = 0
            for i in 0..<17 {
                let d = b[i] &- 0x30
                guard d < 10 else { return nil }
                packed = packed &* 10 &+ UInt64(d)
                weighted &+= Int(d) &* weights[i]
                if i >= 6, i < 14 { birth = birth &* 10 &+ Int(d) }
            }
            let last = b[17]
            let check: Int
            if last >= 0x30, last <= 0x39 { check = Int(last &- 0x30) } else if last == 0x58 || last == 0x78 { check = 10 } else { return nil }
            return Parsed(packed: packed &* 11 &+ UInt64(check), checksumMatches: checkValues[weighted % 11] == check, birthDate: birth,
                          province: Int(b[0] &- 0x30) &* 10 &+ Int(b[1] &- 0x30))
        }
    }

    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    /// The check value (X = 10) for each weighted sum modulo 11: "10X98765432".
    static let checkValues = [1, 0, 10, 9, 8, 7, 6, 5, 4, 3, 2]

    /// GB/T 2260 province-level codes: the first two digits of every valid ID number.
    static let provinceCodes: Set<Int> = Set(Array(11...15) + Array(21...23) + Array(31...37) + Array(41...46) + Array(50...54)
                                             + Array(61...65) + [71, 81, 82])

    /// Whether a number passes XC-01 (the checks of `IDNumber.validate` and a province code) — decided on the
    /// parsed form; `IDNumberKeyTests` checks that it agrees with `IDNumber.validate`.
    static func isValid(_ p: Parsed) -> Bool {
        let year = p.birthDate / 10000, month = p.birthDate / 100 % 100, day = p.birthDate % 100
        return p.checksumMatches && year >= 1800 && year <= 2100 && month >= 1 && month <= 12 && day >= 1
            && day <= FieldSyntax.daysIn(month: month, year: year) && provinceCodes.contains(p.province)
    }

    /// The keys of one run: a well-formed number is its packed value; anything else (a number of the wrong
    /// length, with letters, with spaces) is numbered in a side table after normalising, top bit set, so two
    /// strings share a key exactly when they are the same normalised ID number.
    struct Encoder {
        private var others: [String: UInt64] = [:]

        mutating func key(_ id: String) -> UInt64 {
            if let p = IDNumberKey.parse(id) { return p.packed }
            let normalized = IDNumber.normalize(id)
            if let p = IDNumberKey.parse(normalized) { return p.packed }
            if let k = others[normalized] { return k }
            let k = UInt64(1) << 63 | UInt64(others.count)
            others[normalized] = k
            return k
        }

        /// The key `key(id)` gave, without numbering a new one; nil for an odd number never seen.
        func existingKey(_ id: String) -> UInt64? {
            if let p = IDNumberKey.parse(id) { return p.packed }
            let normalized = IDNumber.normalize(id)
            if let p = IDNumberKey.parse(normalized) { return p.packed }
            return others[normalized]
        }
    }
}
