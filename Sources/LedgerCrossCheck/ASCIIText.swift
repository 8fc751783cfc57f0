import LedgerCore

/// Fast paths for the values the rules compare a million times: most are already trimmed and normalised, and are
/// recognised from their bytes without walking the string's Unicode views.
extension String {
    /// The string without leading and trailing ASCII spaces, tabs, CR and LF; itself, uncopied, when it has none.
    var trimmedASCII: String {
        var s = self
        let clean = s.withUTF8 { b in b.isEmpty || (b[0] > 0x20 && b[b.count - 1] > 0x20) }
        return clean ? self : trimmingASCIIWhitespace()
    }

    /// An ID number as the rules compare it: trimmed, final x in capitals (`IDNumber.normalize`); itself,
    /// uncopied, when it is already so.
    var normalizedIDNumber: String {
        var s = self
        let clean = s.withUTF8 { b in b.isEmpty || (b[0] > 0x20 && b[b.count - 1] > 0x20 && b[b.count - 1] != UInt8(ascii: "x")) }
        return clean ? self : IDNumber.normalize(self)
    }
}
