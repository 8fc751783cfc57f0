import LedgerCore
import LedgerCrypto
import Testing

/// The admission of `crosscheck` and `disposition` entries (FORMAT.md §6.8–6.9): who may sign them, the checked
/// tree, and the report a disposition names.
@Suite struct InspectionAdmissionTests {
    typealias K = AdmissionTests.Keys
    static let origin = AdmissionTests.origin
    static let time = AdmissionTests.time
    static let report = Digest32(bytes: [UInt8](repeating: 0x42, count: 32))!
    static let root = Digest32(bytes: [UInt8](repeating: 0x11, count: 32))!

    func anchor(_ k: K, by signer: NamedSigningKey? = nil, size: UInt64 = 10, root: Digest32 = root, unit: String = "430626") throws -> Submission {
        try .crosscheck(CrossCheckBody.make(run: "2025-autumn/r1", period: "2025-autumn", unit: unit, inspectingUnit: "430602", checkedSize: size,
                                            checkedRoot: root, findings: 3, reportSHA256: Self.report, origin: Self.origin, signedAt: Self.time,
                                            inspector: signer ?? k.inspector))
    }

    func disposition(_ k: K, report: Digest32 = report, outcome: DispositionBody.Outcome = .falsePositive) throws -> Submission {
        try .disposition(DispositionBody.make(finding: String(repeating: "0f", count: 16), rule: "XC-02", unit: "430626", reportSHA256: report,
                                              outcome: outcome, reason: "证件库漏登", action: outcome == .confirmed ? "追回" : nil, origin: Self.origin,
                                              signedAt: Self.time, inspector: k.inspector))
    }

    func decide(_ k: K, _ subs: [Submission], at seq: UInt64, facts: AdmissionFacts) -> [String?] {
        var a = Admission(origin: Self.origin, registry: k.registry, time: Self.time, plausibility: PlausibilityPolicy())
        var seq = seq
        return subs.enumerated().map { i, s in
            let v = a.decide(s, index: i, at: seq, facts: facts)
            seq += 1
            if case .refuse(let r) = v { return r.code }
            return nil
        }
    }

    @Test func anchorNeedsTheRootOfAnEarlierTreeAndAnInspector() throws {
        let k = try K()
        var facts = AdmissionFacts()
        facts.checkedRoots[10] = Self.root
        #expect(decide(k, [try anchor(k)], at: 11, facts: facts) == [nil])
        // The wrong root, a size with no signed checkpoint, a size not before the entry.
        #expect(decide(k, [try anchor(k, root: Digest32(bytes: [UInt8](repeating: 0x12, count: 32))!)], at: 11, facts: facts) == ["crosscheck-checked"])
        #expect(decide(k, [try anchor(k, size: 9)], at: 11, facts: facts) == ["crosscheck-checked"])
        #expect(decide(k, [try anchor(k)], at: 10, facts: facts) == ["crosscheck-checked"])
        // An officer may not anchor a report; an unknown signer neither.
        #expect(decide(k, [try anchor(k, by: k.officer)], at: 11, facts: facts) == ["signer-role"])
        let stranger = try NamedSigningKey(name: Self.origin + "/inspector/9", key: SigningKey.generate(.ed25519), suite: .ed25519SHA256)
        #expect(decide(k, [try anchor(k, by: stranger)], at: 11, facts: facts) == ["signer-unknown"])
    }

    @Test func anchorScopeFollowsTheInspectorsUnits() throws {
        let k = try K()
        var registry = k.registry
        let local = try NamedSigningKey(name: Self.origin + "/inspector/2", key: SigningKey.generate(.ed25519), suite: .ed25519SHA256)
        try registry.enroll(local.verifierKey, role: .inspector, units: ["430611"], at: 4)
        var facts = AdmissionFacts()
        facts.checkedRoots[10] = Self.root
        var a = Admission(origin: Self.origin, registry: registry, time: Self.time, plausibility: PlausibilityPolicy())
        if case .refuse(let r) = a.decide(try anchor(k, by: local), index: 0, at: 11, facts: facts) { #expect(r.code == "signer-scope") } else { Issue.record("admitted out of scope") }
        if case .refuse = a.decide(try anchor(k, by: local, unit: "430611"), index: 1, at: 11, facts: facts) { Issue.record("refused in scope") }
    }

    @Test func dispositionNamesAnAnchoredReport() throws {
        let k = try K()
        var facts = AdmissionFacts()
        facts.checkedRoots[10] = Self.root
        // Not anchored anywhere.
        #expect(decide(k, [try disposition(k)], at: 11, facts: facts) == ["disposition-report"])
        // Anchored earlier in the same group.
        #expect(decide(k, [try anchor(k), try disposition(k)], at: 11, facts: facts) == [nil, nil])
        // Anchored in the ledger.
        facts.anchoredReports = [Self.report]
        #expect(decide(k, [try disposition(k, outcome: .confirmed)], at: 11, facts: facts) == [nil])
        #expect(decide(k, [try disposition(k, report: Self.root)], at: 11, facts: facts) == ["disposition-report"])
    }

    @Test func bodiesAreStrict() throws {
        let k = try K()
        // A confirmed irregularity needs the action taken.
        #expect(throws: FormatError.self) {
            _ = try DispositionBody.make(finding: String(repeating: "0f", count: 16), rule: "XC-02", unit: "430626", reportSHA256: Self.report,
                                         outcome: .confirmed, reason: "r", action: nil, origin: Self.origin, signedAt: Self.time, inspector: k.inspector)
        }
        for bad in ["XC-2", "xc-02", "XC-0A", "XC-002"] { #expect(!DispositionBody.isRuleCode(bad)) }
        for bad in [String(repeating: "0F", count: 16), String(repeating: "0", count: 31), String(repeating: "g", count: 32)] { #expect(!DispositionBody.isFindingID(bad)) }
        var body = try CrossCheckBody.make(run: "r", period: "2025-autumn", unit: "430626", inspectingUnit: nil, checkedSize: 1, checkedRoot: Self.root,
                                           findings: 0, reportSHA256: Self.report, origin: Self.origin, signedAt: Self.time, inspector: k.inspector)
        body["extra"] = .bool(true)
        #expect(throws: FormatError.self) { _ = try CrossCheckBody(decoding: body) }
        body["extra"] = nil
        body["findings"] = .int(-1)
        #expect(throws: FormatError.self) { _ = try CrossCheckBody(decoding: body) }
    }
}
