import LedgerCore
import LedgerCrypto

/// A run compared with the previous one, through the previous run's `report.json`: a finding whose id was in it is
/// `open`, otherwise `new`; a finding of the previous run not found now is `resolved` — by a reversal when one of
/// the entries it rested on is now reversed, otherwise by a registry change. Finding ids are stable across runs
/// (`FindingID`), so this is a comparison of ids. Nothing personal is carried over from the previous report.
public struct FindingDiff: Sendable {
    /// By finding id: every current finding (`new` or `open`) and every resolved one.
    public let states: [String: FindingState]
    /// The previous run's findings not found now, for the report to list.
    public let resolved: [ResolvedFinding]

    public init(states: [String: FindingState], resolved: [ResolvedFinding]) {
        self.states = states
        self.resolved = resolved
    }

    /// A first run: every finding is new.
    public static func firstRun(current: [Finding]) -> FindingDiff {
        var states: [String: FindingState] = [:]
        for f in current { states[f.id] = .new }
        return FindingDiff(states: states, resolved: [])
    }

    /// Compares the current findings with a previous run's report. `reversed`: the payment entries reversed by now
    /// (in every ledger checked). Throws when `previousReport` is not a readable report.
    public static func compare(previousReport: [UInt8], current: [Finding], reversed: Set<EntryReference>) throws(ReportError) -> FindingDiff {
        let previous = try PreviousReport.findings(previousReport)
        let currentIDs = Set(current.map(\.id))
        let previousIDs = Set(previous.map(\.id))
        var states: [String: FindingState] = [:]
        for f in current { states[f.id] = FindingState(status: previousIDs.contains(f.id) ? .open : .new) }
        var resolved: [ResolvedFinding] = []
        var seen: Set<String> = []
        for p in previous where !currentIDs.contains(p.id) && seen.insert(p.id).inserted {
            let cause: FindingState.Resolution = p.entries.contains(where: reversed.contains) ? .reversal : .registryChange
            let r = ResolvedFinding(id: p.id, rule: p.rule, severity: p.severity, unit: p.unit, schoolCode: p.schoolCode, program: p.program, period: p.period,
                                    personKey: p.personKey, maskedName: p.maskedName, entries: p.entries, amountFen: p.amountFen, summary: p.summary,
                                    action: p.action, resolvedBy: cause)
            resolved.append(r)
            states[p.id] = FindingState(status: .resolved, resolvedBy: cause)
        }
        return FindingDiff(states: states, resolved: resolved)
    }
}

/// Reads the findings of a `report.json` (lenient JSON: a report may have been reformatted), checking every member
/// it uses; a report that is not one is refused with where it went wrong, never a trap.
enum PreviousReport {
    struct Item {
        let id: String
        let rule: RuleCode
        let severity: Severity
        let unit: String
        let schoolCode: String?
        let program: String?
        let period: String
        let personKey: String?
        let maskedName: String?
        let entries: [EntryReference]
        let amountFen: Int64
        let summary: String
        let action: String
    }

    static func findings(_ bytes: [UInt8]) throws(ReportError) -> [Item] {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes, mode: .lenient) } catch { throw ReportError("the previous report is not JSON (\(error.description))") }
        guard let root = value.objectValue else { throw ReportError("the previous report is not a JSON object") }
        guard root["format"]?.stringValue == CrossCheckReport.format else { throw ReportError("the previous report's format is not \(CrossCheckReport.format)") }
        guard let list = root["findings"]?.arrayValue else { throw ReportError("the previous report has no findings array") }
        var items: [Item] = []
        items.reserveCapacity(list.count)
        for (i, element) in list.enumerated() {
            let at = "the previous report's finding \(i + 1)"
            guard let o = element.objectValue else { throw ReportError("\(at) is not an object") }
            func string(_ key: String) throws(ReportError) -> String {
                guard let s = o[key]?.stringValue else { throw ReportError("\(at): \(key) is not a string") }
                return s
            }
            func optionalString(_ key: String) throws(ReportError) -> String? {
                switch o[key] {
                case nil, .null?: return nil
                case .string(let s)?: return s
                default: throw ReportError("\(at): \(key) is not a string or null")
                }
            }
            guard let rule = RuleCode(rawValue: try string("rule")) else { throw ReportError("\(at): rule is not one this version knows") }
            guard let severity = Severity(rawValue: try string("severity")) else { throw ReportError("\(at): severity is not high, medium or low") }
            guard let amount = o["amount_fen"]?.intValue else { throw ReportError("\(at): amount_fen is not an integer") }
            var personKey: String? = nil, maskedName: String? = nil
            switch o["person"] {
            case nil, .null?: break
            case .object(let p)?:
                guard let key = p["key"]?.stringValue else { throw ReportError("\(at): person.key is not a string") }
                personKey = key
                maskedName = p["masked_name"]?.stringValue
            default: throw ReportError("\(at): person is not an object or null")
            }
            guard let entryList = o["entries"]?.arrayValue else { throw ReportError("\(at): entries is not an array") }
            var entries: [EntryReference] = []
            for (k, e) in entryList.enumerated() {
                guard let eo = e.objectValue, let origin = eo["origin"]?.stringValue, let seq = eo["seq"]?.intValue, seq >= 0,
                      let hex = eo["entry_hash"]?.stringValue, let hash = Digest32(hexString: hex) else {
                    throw ReportError("\(at): entry \(k + 1) is not {origin, seq, entry_hash}")
                }
                entries.append(EntryReference(origin: origin, seq: UInt64(seq), hash: hash))
            }
            items.append(Item(id: try string("id"), rule: rule, severity: severity, unit: try string("unit"), schoolCode: try optionalString("school_code"),
                              program: try optionalString("program"), period: try string("period"), personKey: personKey, maskedName: maskedName,
                              entries: entries, amountFen: amount, summary: try string("summary"), action: try string("action")))
        }
        return items
    }
}
