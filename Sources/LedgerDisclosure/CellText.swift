/// The texts written in a disclosure's cells, the same in CSV, XLSX and HTML (docs/FORMAT.md §18): text made safe
/// for spreadsheets, amounts in yuan from integer fen, stage names in Chinese.
public enum CellText {
    /// A text cell's content: characters that XML 1.0 cannot carry (C0 controls other than TAB, LF and CR;
    /// U+FFFE, U+FFFF) replaced by U+FFFD, so that all three formats can hold the same text; then neutralised.
    public static func text(_ s: String) -> String {
        neutralised(cleaned(s))
    }

    /// `s` with one `'` in front when its first character is one a spreadsheet would start a formula or a
    /// command with: `=`, `+`, `-`, `@`, TAB or CR. Otherwise `s` unchanged.
    public static func neutralised(_ s: String) -> String {
        guard let first = s.utf8.first else { return s }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D: return "'" + s
        default: return s
        }
    }

    /// `s` with the characters XML 1.0 cannot carry replaced by U+FFFD.
    public static func cleaned(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isUnwritable) else { return s }
        var out = String.UnicodeScalarView()
        for scalar in s.unicodeScalars { out.append(isUnwritable(scalar) ? "\u{FFFD}" : scalar) }
        return String(out)
    }

    static func isUnwritable(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return (v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D) || v == 0xFFFE || v == 0xFFFF
    }

    /// An amount of fen as yuan with exactly two decimals, by integer arithmetic: 125000 → `1250.00`, 5 → `0.05`,
    /// -5 → `-0.05`. Exact for every Int64, `Int64.min` included.
    public static func yuan(_ fen: Int64) -> String {
        let m = fen.magnitude
        let cents = m % 100
        return (fen < 0 ? "-" : "") + String(m / 100) + (cents < 10 ? ".0" : ".") + String(cents)
    }

    /// The stages in the order tables list them, with their Chinese names.
    public static let stages: [(value: String, name: String)] = [
        ("preschool", "学前"), ("primary", "小学"), ("junior", "初中"), ("senior", "高中"), ("vocational", "中职"), ("higher", "高校"),
    ]

    /// A stage's Chinese name (`primary` → `小学`); an unknown value is returned as it is.
    public static func stageName(_ stage: String) -> String {
        stages.first { $0.value == stage }?.name ?? stage
    }

    /// Position of a stage in `stages`; unknown values after all known ones.
    static func stageRank(_ stage: String) -> Int {
        stages.firstIndex { $0.value == stage } ?? stages.count
    }

    /// A date `YYYY-MM-DD` as `YYYY年M月D日`; nil when it is not a date.
    public static func chineseDate(_ date: String) -> String? {
        guard let d = CivilDate(date) else { return nil }
        return "\(d.year)年\(d.month)月\(d.day)日"
    }
}

/// Orders strings by their Unicode scalars (the same as by their UTF-8 bytes), never by locale or by Swift's
/// canonical-equivalence ordering, so that every implementation sorts alike.
func scalarOrderPrecedes(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}
