import LedgerCore
import LedgerCrypto

/// `report.json`: canonical JSON (RFC 8785, no floating point), so the same run gives the same bytes and its
/// digest can be anchored in the inspected ledgers.
///
/// ```
/// { "format": "aidledger/crosscheck-report/v1",
///   "run": { period, time, inspector_key, ledgers: [{origin, unit, size, root, verified, problem}],
///            snapshots: [{kind, id, as_of, sha256, rows}], configuration: [{name, sha256}],
///            pairing: {file: {name, sha256} | null, pairs: [{inspected, inspecting}]}, reveal, purpose },
///   "findings": [{ id, rule, rule_name, rule_name_zh, severity, unit, inspecting_unit, school_code, program, period,
///                  person: {key, masked_name, name?, id_number?} | null, entries: [{origin, seq, entry_hash}], seqs,
///                  entry_hashes, amount_fen, summary, evidence: [{source, locator, field, personal, value?, masked?}],
///                  action, state, resolved_by, disposition: {outcome, reason, action, signer, seq} | null }],
///   "resolved": [ the previous run's findings not found now, without evidence, state "resolved" ],
///   "persons": [{key, masked_name, findings: [id]}],
///   "summary": { by_unit_rule: [{unit, rule, count, amount_fen}], by_unit, by_rule, total: {count, amount_fen},
///                states: {new, open, resolved} } }
/// ```
/// `name` and `id_number` of a person, and personal evidence values, are present only when the run revealed them.
extension CrossCheckReport {
    public static let format = "aidledger/crosscheck-report/v1"

    /// The canonical bytes of `report.json`.
    public func json() throws(ReportError) -> [UInt8] {
        CanonicalJSON.encode(try jsonValue())
    }

    func jsonValue() throws(ReportError) -> JSONValue {
        let summary = try summary()
        var root: JSONObject = [:]
        root["format"] = .string(Self.format)
        root["run"] = try runJSON()
        var list: [JSONValue] = []
        list.reserveCapacity(findings.count)
        for f in findings { list.append(try findingJSON(f)) }
        root["findings"] = .array(list)
        var resolvedList: [JSONValue] = []
        for r in resolved { resolvedList.append(try resolvedJSON(r)) }
        root["resolved"] = .array(resolvedList)
        root["persons"] = .array(persons().map { p in
            .object(["key": .string(p.key), "masked_name": p.maskedName.map(JSONValue.string) ?? .null, "findings": .array(p.findings.map(JSONValue.string))])
        })
        var states: JSONObject = [:]
        for status in FindingState.Status.allCases where status != .resolved {
            states[status.rawValue] = .int(Int64(findings.filter { state(of: $0).status == status }.count))
        }
        states[FindingState.Status.resolved.rawValue] = .int(Int64(resolved.count))
        root["summary"] = .object([
            "by_unit_rule": .array(summary.byUnitRule.map { .object(["unit": .string($0.unit), "rule": .string($0.rule.rawValue), "count": .int($0.tally.count), "amount_fen": .int($0.tally.amountFen)]) }),
            "by_unit": .array(summary.byUnit.map { .object(["unit": .string($0.unit), "count": .int($0.tally.count), "amount_fen": .int($0.tally.amountFen)]) }),
            "by_rule": .array(summary.byRule.map { .object(["rule": .string($0.rule.rawValue), "count": .int($0.tally.count), "amount_fen": .int($0.tally.amountFen)]) }),
            "total": .object(["count": .int(summary.total.count), "amount_fen": .int(summary.total.amountFen)]),
            "states": .object(states),
        ])
        return .object(root)
    }

    func runJSON() throws(ReportError) -> JSONValue {
        var ledgers: [JSONValue] = []
        for l in run.ledgers.sorted(by: { ReportText.precedes($0.origin, $1.origin) }) {
            ledgers.append(.object([
                "origin": .string(l.origin), "unit": .string(l.unit), "size": try Self.safe(l.size, "a ledger size"), "root": .string(l.rootHex),
                "verified": .bool(l.verified), "problem": l.problem.map(JSONValue.string) ?? .null,
            ]))
        }
        let snapshots = run.snapshots.sorted { a, b in
            a.kind.rawValue != b.kind.rawValue ? ReportText.precedes(a.kind.rawValue, b.kind.rawValue) : ReportText.precedes(a.id, b.id)
        }
        var snapshotList: [JSONValue] = []
        for s in snapshots {
            snapshotList.append(.object([
                "kind": .string(s.kind.rawValue), "id": .string(s.id), "as_of": .string(s.asOf), "sha256": .string(s.sha256),
                "rows": try Self.safe(Int64(s.rows), "a snapshot's row count"),
            ]))
        }
        let files = run.configurationFiles.sorted { ReportText.precedes($0.name, $1.name) }
        let pairing: JSONObject = [
            "file": run.pairing.file.map { .object(["name": .string($0.name), "sha256": .string($0.sha256)]) } ?? .null,
            "pairs": .array(run.pairing.pairs.map { .object(["inspected": .string($0.inspected), "inspecting": .string($0.inspecting)]) }),
        ]
        return .object([
            "period": .string(run.period), "time": .string(run.time), "inspector_key": .string(run.inspectorKey),
            "ledgers": .array(ledgers), "snapshots": .array(snapshotList),
            "configuration": .array(files.map { .object(["name": .string($0.name), "sha256": .string($0.sha256)]) }),
            "pairing": .object(pairing), "reveal": .bool(run.reveal), "purpose": run.purpose.map(JSONValue.string) ?? .null,
        ])
    }

    func findingJSON(_ f: Finding) throws(ReportError) -> JSONValue {
        var o = try commonJSON(id: f.id, rule: f.rule, severity: f.severity, unit: f.unit, schoolCode: f.schoolCode, program: f.program, period: f.period,
                               entries: f.entries, amountFen: f.amountFen, summary: f.summary, action: f.action)
        if let key = f.personKey {
            var person: JSONObject = ["key": .string(key), "masked_name": f.maskedName.map(JSONValue.string) ?? .null]
            if run.reveal {
                if let name = f.name { person["name"] = .string(name) }
                if let id = f.idNumber { person["id_number"] = .string(id) }
            }
            o["person"] = .object(person)
        } else {
            o["person"] = .null
        }
        o["evidence"] = .array(f.evidence.map { e in
            var item: JSONObject = ["source": .string(e.source), "locator": .string(e.locator), "field": .string(e.field), "personal": .bool(e.personal)]
            let shown = shownValue(e)
            if let v = shown.value { item["value"] = .string(v) }
            if shown.masked { item["masked"] = .bool(true) }
            return .object(item)
        })
        let state = state(of: f)
        o["state"] = .string(state.status.rawValue)
        o["resolved_by"] = state.resolvedBy.map { .string($0.rawValue) } ?? .null
        o["disposition"] = try dispositionJSON(state.disposition)
        return .object(o)
    }

    func resolvedJSON(_ r: ResolvedFinding) throws(ReportError) -> JSONValue {
        var o = try commonJSON(id: r.id, rule: r.rule, severity: r.severity, unit: r.unit, schoolCode: r.schoolCode, program: r.program, period: r.period,
                               entries: r.entries, amountFen: r.amountFen, summary: r.summary, action: r.action)
        o["person"] = r.personKey.map { .object(["key": .string($0), "masked_name": r.maskedName.map(JSONValue.string) ?? .null]) } ?? .null
        o["evidence"] = .array([])
        o["state"] = .string(FindingState.Status.resolved.rawValue)
        o["resolved_by"] = .string(r.resolvedBy.rawValue)
        o["disposition"] = try dispositionJSON(states[r.id]?.disposition)
        return .object(o)
    }

    /// The members a current and a resolved finding share.
    func commonJSON(id: String, rule: RuleCode, severity: Severity, unit: String, schoolCode: String?, program: String?, period: String,
                    entries: [EntryReference], amountFen: Int64, summary: String, action: String) throws(ReportError) -> JSONObject {
        var entryList: [JSONValue] = [], seqs: [JSONValue] = []
        for e in entries {
            let seq = try Self.safe(e.seq, "a seq")
            entryList.append(.object(["origin": .string(e.origin), "seq": seq, "entry_hash": .string(e.hash.hex)]))
            seqs.append(seq)
        }
        return [
            "id": .string(id), "rule": .string(rule.rawValue), "rule_name": .string(rule.shortName), "rule_name_zh": .string(rule.chineseName),
            "severity": .string(severity.rawValue), "unit": .string(unit), "inspecting_unit": run.pairing.inspector(of: unit).map(JSONValue.string) ?? .null,
            "school_code": schoolCode.map(JSONValue.string) ?? .null, "program": program.map(JSONValue.string) ?? .null, "period": .string(period),
            "entries": .array(entryList), "seqs": .array(seqs), "entry_hashes": .array(entries.map { .string($0.hash.hex) }),
            "amount_fen": try Self.safe(amountFen, "an amount"), "summary": .string(summary), "action": .string(action),
        ]
    }

    func dispositionJSON(_ d: FindingDisposition?) throws(ReportError) -> JSONValue {
        guard let d else { return .null }
        return .object([
            "outcome": .string(d.outcome.rawValue), "reason": .string(d.reason), "action": d.action.map(JSONValue.string) ?? .null,
            "signer": .string(d.signer), "seq": try Self.safe(d.seq, "a disposition's seq"),
        ])
    }

    static func safe(_ v: Int64, _ what: String) throws(ReportError) -> JSONValue {
        guard v <= JSONValue.maxSafeInteger, v >= -JSONValue.maxSafeInteger else { throw ReportError("\(what) exceeds what the report can carry exactly (±(2^53 − 1))") }
        return .int(v)
    }

    static func safe(_ v: UInt64, _ what: String) throws(ReportError) -> JSONValue {
        guard v <= UInt64(JSONValue.maxSafeInteger) else { throw ReportError("\(what) exceeds what the report can carry exactly (2^53 − 1)") }
        return .int(Int64(v))
    }
}
