import LedgerCrypto

/// Body of a `disclosure` entry (FORMAT.md §6.10): the ledger records that it published a 公示 export derived from
/// its own tree at `derived_size`, and binds the export's signed manifest (FORMAT.md §18) by its digest. Appended by
/// the ledger itself, like `access`: no person signs it; the checkpoint after it is the ledger key's signature.
public struct DisclosureBody: Sendable, Equatable {
    /// SHA-256 (always SHA-256, whatever the suite) of the manifest's note text, signature lines excluded.
    public let manifestSHA256: Digest32
    /// The size of the tree the export was derived from (≥ 1, before this entry) and its root.
    public let derivedSize: UInt64
    public let derivedRoot: Digest32
    /// First and last day of the 公示 period, `YYYY-MM-DD`, start ≤ end.
    public let publicityStart: String
    public let publicityEnd: String
    /// The units the export covers, sorted and unique; empty: every unit of the ledger.
    public let units: [String]
    /// Who asked for the export: a key name or `local:<user>`.
    public let requestedBy: String

    /// A body the decoder accepts; throws for what a verifier would refuse.
    public init(manifestSHA256: Digest32, derivedSize: UInt64, derivedRoot: Digest32, publicityStart: String, publicityEnd: String,
                units: [String], requestedBy: String) throws(FormatError) {
        let json = Self.json(manifestSHA256: manifestSHA256, derivedSize: derivedSize, derivedRoot: derivedRoot, publicityStart: publicityStart,
                             publicityEnd: publicityEnd, units: units, requestedBy: requestedBy)
        self = try DisclosureBody(decoding: json)
    }

    public init(decoding body: JSONObject) throws(FormatError) {
        var r = FieldReader(body, context: "disclosure")
        manifestSHA256 = try r.digest("manifest_sha256")
        derivedSize = UInt64(try r.int("derived_size", min: 1))
        derivedRoot = try r.digest("derived_root")
        publicityStart = try r.string("publicity_start", FieldSyntax.isDate, expected: "a date YYYY-MM-DD")
        publicityEnd = try r.string("publicity_end", FieldSyntax.isDate, expected: "a date YYYY-MM-DD")
        guard publicityStart <= publicityEnd else { throw FormatError(.badField, "disclosure.publicity_end: must not be before publicity_start") }
        let u = try r.value("units")
        guard case .array(let items) = u else { throw FormatError(.badField, "disclosure.units: must be an array, found \(u.typeName)") }
        var units: [String] = []
        units.reserveCapacity(items.count)
        for item in items {
            guard case .string(let unit) = item, FieldSyntax.isToken(unit) else { throw FormatError(.badField, "disclosure.units: every item must be a unit code") }
            // Tokens are ASCII, so byte order is the order of every comparison the format uses.
            if let last = units.last, !(Array(last.utf8).lexicographicallyPrecedes(Array(unit.utf8))) {
                throw FormatError(.badField, "disclosure.units: must be sorted and without repeats")
            }
            units.append(unit)
        }
        self.units = units
        requestedBy = try r.string("requested_by", { VerifierKey.isValidName($0) && FieldSyntax.isText($0) },
                                   expected: "a key name or local:<user> (1–200 characters, no whitespace or '+')")
        try r.finish()
    }

    /// The body as appended.
    public var json: JSONObject {
        Self.json(manifestSHA256: manifestSHA256, derivedSize: derivedSize, derivedRoot: derivedRoot, publicityStart: publicityStart,
                  publicityEnd: publicityEnd, units: units, requestedBy: requestedBy)
    }

    static func json(manifestSHA256: Digest32, derivedSize: UInt64, derivedRoot: Digest32, publicityStart: String, publicityEnd: String,
                     units: [String], requestedBy: String) -> JSONObject {
        [
            "manifest_sha256": .string(manifestSHA256.hex), "derived_size": .int(Int64(clamping: min(derivedSize, UInt64(JSONValue.maxSafeInteger)))),
            "derived_root": .string(derivedRoot.hex), "publicity_start": .string(publicityStart), "publicity_end": .string(publicityEnd),
            "units": .array(units.map { .string($0) }), "requested_by": .string(requestedBy),
        ]
    }
}
