import LedgerCrypto

/// Body of a `crosscheck` entry (FORMAT.md §6.8): an inspector anchors the report of a cross-county run in each
/// ledger it inspected, so that a finding cannot be quietly dropped later. Signed by an inspector whose scope
/// covers `unit`.
public struct CrossCheckBody: Sendable, Equatable {
    /// Identifies the run across the ledgers it inspected (the same value in each).
    public let run: String
    public let period: String
    /// The unit inspected in this ledger.
    public let unit: String
    /// The unit whose inspectors checked it (from the pairing), when a pairing was used.
    public let inspectingUnit: String?
    /// The tree the run read and verified: its size (before this entry) and root.
    public let checkedSize: UInt64
    public let checkedRoot: Digest32
    /// How many findings the report holds for `unit`.
    public let findings: Int64
    /// SHA-256 of the report file (`report.json`) the run wrote.
    public let reportSHA256: Digest32
    public let signed: SignerFields

    public init(decoding body: JSONObject) throws(FormatError) {
        var r = FieldReader(body, context: "crosscheck")
        run = try r.string("run", FieldSyntax.isToken, expected: "1–64 of A–Z a–z 0–9 . _ : / -")
        period = try r.string("period", FieldSyntax.isPeriod, expected: "YYYY-spring, YYYY-autumn, YYYY-MM or YYYY")
        unit = try r.string("unit", FieldSyntax.isToken, expected: "a unit code")
        inspectingUnit = try r.optionalString("inspecting_unit", FieldSyntax.isToken, expected: "a unit code")
        checkedSize = UInt64(try r.int("checked_size", min: 1))
        checkedRoot = try r.digest("checked_root")
        findings = try r.int("findings", min: 0)
        reportSHA256 = try r.digest("report_sha256")
        signed = try SignerFields.read(&r)
        try r.finish()
    }

    /// An inspector-signed anchor. Throws for what a verifier would refuse to decode.
    public static func make(run: String, period: String, unit: String, inspectingUnit: String?, checkedSize: UInt64, checkedRoot: Digest32,
                            findings: Int, reportSHA256: Digest32, origin: String, signedAt: String, inspector: NamedSigningKey) throws -> JSONObject {
        var body: JSONObject = [
            "run": .string(run), "period": .string(period), "unit": .string(unit), "checked_size": .int(Int64(checkedSize)),
            "checked_root": .string(checkedRoot.hex), "findings": .int(Int64(findings)), "report_sha256": .string(reportSHA256.hex),
            "signer": .string(inspector.name), "signed_at": .string(signedAt),
        ]
        if let inspectingUnit { body["inspecting_unit"] = .string(inspectingUnit) }
        let signed = try Statement.sign(kind: .crosscheck, origin: origin, body: body, with: inspector)
        _ = try CrossCheckBody(decoding: signed)
        return signed
    }
}

/// Body of a `disposition` entry (FORMAT.md §6.9): an inspector closes (or keeps open) one finding of an anchored
/// report with a recorded outcome. A finding is a lead, not a verdict: this is the verdict.
public struct DispositionBody: Sendable, Equatable {
    public enum Outcome: String, Sendable, CaseIterable {
        /// A confirmed irregularity; `action` says what was done (funds recovered, payment stopped, …).
        case confirmed
        /// Not an irregularity: the reason explains it (e.g. a 补发 approved by the bureau).
        case explained
        /// The rule matched wrongly (e.g. a registry error); the reason says why.
        case falsePositive = "false_positive"

        public var chinese: String {
            switch self {
            case .confirmed: "确认违规"
            case .explained: "已说明"
            case .falsePositive: "误报"
            }
        }
    }

    /// The finding's id (32 lowercase hex digits).
    public let finding: String
    /// The rule code, e.g. `XC-02`.
    public let rule: String
    /// The unit the finding is about (the signer's scope must cover it).
    public let unit: String
    /// The report the finding appeared in; it MUST be anchored by an earlier `crosscheck` entry of this ledger.
    public let reportSHA256: Digest32
    public let outcome: Outcome
    public let reason: String
    /// What was done; required when the outcome is `confirmed`.
    public let action: String?
    public let signed: SignerFields

    public static func isFindingID(_ s: String) -> Bool {
        s.utf8.count == 32 && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    public static func isRuleCode(_ s: String) -> Bool {
        let b = Array(s.utf8)
        return b.count == 5 && b[0] == UInt8(ascii: "X") && b[1] == UInt8(ascii: "C") && b[2] == 0x2d && b[3...].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    public init(decoding body: JSONObject) throws(FormatError) {
        var r = FieldReader(body, context: "disposition")
        finding = try r.string("finding", Self.isFindingID, expected: "32 lowercase hex digits")
        rule = try r.string("rule", Self.isRuleCode, expected: "a rule code XC-nn")
        unit = try r.string("unit", FieldSyntax.isToken, expected: "a unit code")
        reportSHA256 = try r.digest("report_sha256")
        outcome = try r.oneOf("outcome", Outcome.self)
        reason = try r.string("reason", { FieldSyntax.isText($0) }, expected: "1–200 characters of text")
        action = try r.optionalString("action", { FieldSyntax.isText($0) }, expected: "1–200 characters of text")
        if outcome == .confirmed, action == nil { throw FormatError(.badField, "disposition.action: required when the outcome is confirmed") }
        signed = try SignerFields.read(&r)
        try r.finish()
    }

    /// An inspector-signed disposition. Throws for what a verifier would refuse to decode.
    public static func make(finding: String, rule: String, unit: String, reportSHA256: Digest32, outcome: Outcome, reason: String, action: String?,
                            origin: String, signedAt: String, inspector: NamedSigningKey) throws -> JSONObject {
        var body: JSONObject = [
            "finding": .string(finding), "rule": .string(rule), "unit": .string(unit), "report_sha256": .string(reportSHA256.hex),
            "outcome": .string(outcome.rawValue), "reason": .string(reason), "signer": .string(inspector.name), "signed_at": .string(signedAt),
        ]
        if let action { body["action"] = .string(action) }
        let signed = try Statement.sign(kind: .disposition, origin: origin, body: body, with: inspector)
        _ = try DispositionBody(decoding: signed)
        return signed
    }
}
