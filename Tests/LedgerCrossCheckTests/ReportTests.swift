import Foundation
import LedgerCore
import LedgerCrossCheck
import LedgerCrypto
import Testing

/// Made-up people and findings for the report tests.
private enum ReportFixture {
    static let idA = "11010519491231002X"
    static let idB = "440524188001010014"
    static let nameA = "张小明"
    static let nameB = "欧阳小明"
    static let account = "6217000011112222"
    static let category = "低保"
    static let certNumber = "44052418800101001443"

    static func keys() -> PersonKeys { try! PersonKeys(PersonKeySecret(bytes: Array(repeating: 0x5a, count: 32))!) }
    static func key(_ id: String) -> String { Hex.encode(keys().personKey(idNumber: id)) }

    static func entry(_ origin: String, _ seq: UInt64) -> EntryReference {
        EntryReference(origin: origin, seq: seq, hash: Digest32(bytes: [UInt8](repeating: UInt8(truncatingIfNeeded: seq), count: 32))!)
    }

    static func finding(_ rule: RuleCode, unit: String, person id: String?, name: String?, program: String? = "寄宿生生活补助", entries: [EntryReference],
                        amount: Int64, summary: String = "2025-autumn 寄宿生生活补助：证件库中无有效证件", evidence: [Evidence] = [], school: String? = "4306021") -> Finding {
        let subject = id.map(key) ?? "account:" + Hex.encode(keys().personKey(idNumber: "account:" + account))
        return Finding(id: try! FindingID.make(rule: rule, subject: subject, program: program ?? "", period: "2025-autumn"), rule: rule, severity: .high, unit: unit,
                       schoolCode: school, program: program, period: "2025-autumn", personKey: id.map(key), idNumber: id, name: name, entries: entries,
                       amountFen: amount, summary: summary, evidence: evidence, action: "核实困难认定证件；无有效证件的停止发放并追回资金")
    }

    /// A's XC-02 at 430602 and XC-05 at 430626; B's XC-08 at 430602; an account's XC-10 at 430602.
    static var findings: [Finding] {
        [
            finding(.personNoCert, unit: "430602", person: idA, name: nameA, entries: [entry("yy-430602", 7)], amount: 62_500, evidence: [
                Evidence(source: "payment", locator: "yy-430602#7", field: "category", value: category, personal: true),
                Evidence(source: "payment", locator: "yy-430602#7", field: "name", value: nameA, personal: true),
                Evidence(source: "certificates", locator: "line 12", field: "status", value: "注销", personal: false),
                Evidence(source: "certificates", locator: "line 12", field: "cert_number", value: certNumber, personal: true),
            ]),
            finding(.duplicateProgram, unit: "430626", person: idA, name: nameA, entries: [entry("yy-430602", 7), entry("yy-430626", 3)], amount: 75_000,
                    summary: "2025-autumn 寄宿生生活补助在两个单位各发放一次"),
            finding(.amountStandard, unit: "430602", person: idB, name: nameB, entries: [entry("yy-430602", 9)], amount: 80_000,
                    summary: "金额 800.00 元不在标准 750.00 元内", evidence: [
                        Evidence(source: "standards", locator: "standards.csv line 9", field: "payment_range_fen", value: "75000", personal: false),
                        Evidence(source: "identity", locator: "line 40", field: "identity_name", value: nameB, personal: true),
                    ]),
            finding(.payee, unit: "430602", person: nil, name: nil, program: nil, entries: [entry("yy-430602", 7), entry("yy-430602", 9), entry("yy-430602", 11)],
                    amount: 187_500, summary: "同一账户为 3 名学生收款", evidence: [
                        Evidence(source: "payment", locator: "yy-430602#11", field: "account_number", value: account, personal: true),
                    ], school: nil),
        ]
    }

    static let pairing = Pairing(inspectingUnit: ["430602": "430626", "430626": "430602"], file: ConfigurationFile(name: "pairing-yueyang.csv", sha256: String(repeating: "c", count: 64)))

    static func run(reveal: Bool = false, ledgers: [CrossCheckRun.Ledger]? = nil) -> CrossCheckRun {
        CrossCheckRun(period: "2025-autumn", time: "2026-01-10T08:00:00.000Z", inspectorKey: "inspector-yueyang",
                      ledgers: ledgers ?? [
                        CrossCheckRun.Ledger(origin: "yy-430626", unit: "430626", size: 40, rootHex: String(repeating: "b", count: 64), verified: true, problem: nil),
                        CrossCheckRun.Ledger(origin: "yy-430602", unit: "430602", size: 30, rootHex: String(repeating: "a", count: 64), verified: true, problem: nil),
                        CrossCheckRun.Ledger(origin: "yy-430611", unit: "430611", size: 12, rootHex: String(repeating: "d", count: 64), verified: false, problem: "entry 5: bad signature"),
                      ],
                      snapshots: [CrossCheckRun.Snapshot(kind: .identity, id: "id-2025-12", asOf: "2025-12-31", sha256: String(repeating: "e", count: 64), rows: 900),
                                  CrossCheckRun.Snapshot(kind: .certificates, id: "cert-2025-12", asOf: "2025-12-31", sha256: String(repeating: "f", count: 64), rows: 120)],
                      configurationFiles: [ConfigurationFile(name: "standards.csv", sha256: String(repeating: "1", count: 64)),
                                           ConfigurationFile(name: "programs.csv", sha256: String(repeating: "2", count: 64))],
                      pairing: pairing, reveal: reveal, purpose: reveal ? "核查 2025 年秋季学期寄宿生生活补助" : nil,
                      units: [UnitDefinition(code: "430602", name: "岳阳楼区", local: false), UnitDefinition(code: "430626", name: "平江县", local: false)])
    }

    /// Every output of a report, concatenated.
    static func allBytes(_ report: CrossCheckReport) throws -> [UInt8] {
        try report.json() + report.csv() + report.html()
    }
}

private func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
    let n = Array(needle.utf8)
    guard !n.isEmpty, haystack.count >= n.count else { return false }
    for i in 0...(haystack.count - n.count) where haystack[i] == n[0] && Array(haystack[i..<(i + n.count)]) == n { return true }
    return false
}

/// The objects of a JSON array (none when it is not one).
private func objects(_ value: JSONValue?) -> [JSONObject] { (value?.arrayValue ?? []).compactMap { $0.objectValue } }

private func parse(_ bytes: [UInt8]) throws -> JSONObject {
    try #require(try JSONParser.parse(bytes, mode: .canonical).objectValue)
}

@Suite struct ReportTests {
    @Test func theSameInputGivesTheSameBytes() throws {
        let findings = ReportFixture.findings
        var states: [String: FindingState] = [:]
        for f in findings { states[f.id] = .new }
        var reordered: [String: FindingState] = [:]
        for f in findings.reversed() { reordered[f.id] = .new }
        let a = CrossCheckReport(run: ReportFixture.run(), findings: findings, states: states)
        let b = CrossCheckReport(run: ReportFixture.run(), findings: findings.reversed(), states: reordered)
        #expect(try a.json() == b.json())
        #expect(a.csv() == b.csv())
        #expect(try a.html() == b.html())
        // Canonical: the strict parser accepts exactly the canonical form.
        _ = try parse(try a.json())
    }

    @Test func reportJSONHasTheRunTheFindingsByPersonAndTheSummary() throws {
        let findings = ReportFixture.findings
        let report = CrossCheckReport(run: ReportFixture.run(), findings: findings)
        let root = try parse(try report.json())
        #expect(root["format"] == "aidledger/crosscheck-report/v1")
        let run = try #require(root["run"]?.objectValue)
        #expect(run["period"] == "2025-autumn" && run["inspector_key"] == "inspector-yueyang" && run["reveal"] == false && run["purpose"] == .null)
        let ledgers = try #require(run["ledgers"]?.arrayValue)
        #expect(ledgers.map { $0.objectValue?["origin"] } == ["yy-430602", "yy-430611", "yy-430626"])
        #expect(ledgers[1].objectValue?["verified"] == false && ledgers[1].objectValue?["problem"] == "entry 5: bad signature" && ledgers[0].objectValue?["size"] == 30)
        #expect(run["snapshots"]?.arrayValue?.map { $0.objectValue?["kind"] } == ["certificates", "identity"])
        #expect(run["configuration"]?.arrayValue?.map { $0.objectValue?["name"] } == ["programs.csv", "standards.csv"])
        #expect(run["pairing"]?.objectValue?["pairs"]?.arrayValue?.first == .object(["inspected": "430602", "inspecting": "430626"]))

        // By unit, then person (none last), then rule: A's and B's findings at 430602, the account's, then 430626.
        let list = objects(root["findings"])
        let keyA = ReportFixture.key(ReportFixture.idA), keyB = ReportFixture.key(ReportFixture.idB)
        let personsAt430602 = [keyA, keyB].sorted()
        #expect(list.map { $0["unit"]?.stringValue ?? "" } == ["430602", "430602", "430602", "430626"])
        #expect(list.prefix(2).map { $0["person"]?.objectValue?["key"]?.stringValue ?? "" } == personsAt430602)
        #expect(list[2]["rule"] == "XC-10" && list[2]["person"] == .null && list[2]["program"] == .null && list[2]["school_code"] == .null)
        let a = try #require(list.first { $0["rule"] == "XC-02" })
        #expect(a["rule_name"] == "PERSON_NO_CERT" && a["rule_name_zh"] == "有人无证" && a["severity"] == "high" && a["inspecting_unit"] == "430626")
        #expect(a["person"] == .object(["key": .string(keyA), "masked_name": "张*明"]))
        #expect(a["seqs"] == [7] && a["entries"]?.arrayValue?.first?.objectValue?["origin"] == "yy-430602" && a["amount_fen"] == 62_500)
        #expect(a["entry_hashes"] == [.string(ReportFixture.entry("yy-430602", 7).hash.hex)])
        #expect(a["state"] == "new" && a["resolved_by"] == .null && a["disposition"] == .null)
        #expect(list[3]["inspecting_unit"] == "430602")

        let persons = objects(root["persons"])
        let personA = try #require(persons.first { $0["key"]?.stringValue == keyA })
        #expect(personA["findings"]?.arrayValue?.count == 2 && personA["masked_name"] == "张*明")
        #expect(persons.map { $0["key"]?.stringValue ?? "" } == [keyA, keyB].sorted())

        let summary = try #require(root["summary"]?.objectValue)
        #expect(summary["total"] == .object(["count": 4, "amount_fen": 405_000]))
        #expect(summary["by_unit"] == [.object(["unit": "430602", "count": 3, "amount_fen": 330_000]), .object(["unit": "430626", "count": 1, "amount_fen": 75_000])])
        #expect(summary["by_unit_rule"]?.arrayValue?.count == 4)
        #expect(summary["by_unit_rule"]?.arrayValue?.first == .object(["unit": "430602", "rule": "XC-02", "count": 1, "amount_fen": 62_500]))
        #expect(summary["by_rule"]?.arrayValue?.map { $0.objectValue?["rule"] } == ["XC-02", "XC-05", "XC-08", "XC-10"])
        #expect(summary["states"] == .object(["new": 4, "open": 0, "resolved": 0]))
    }

    @Test func withoutRevealNoPersonalValueIsInAnyOutput() throws {
        let hidden = CrossCheckReport(run: ReportFixture.run(reveal: false), findings: ReportFixture.findings)
        let bytes = try ReportFixture.allBytes(hidden)
        for secret in [ReportFixture.idA, ReportFixture.idB, ReportFixture.account, ReportFixture.category, ReportFixture.certNumber, ReportFixture.nameA, ReportFixture.nameB] {
            #expect(!contains(bytes, secret), "a personal value is in an output without --reveal")
        }
        // What is shown instead: keyed person keys and masked names; the non-personal evidence.
        #expect(contains(bytes, ReportFixture.key(ReportFixture.idA)) && contains(bytes, "张*明") && contains(bytes, "欧**明") && contains(bytes, "注销"))
        let root = try parse(try hidden.json())
        let evidence = try #require(root["findings"]?.arrayValue?.compactMap { $0.objectValue }.first { $0["rule"] == "XC-02" }?["evidence"]?.arrayValue)
        #expect(evidence[0] == .object(["source": "payment", "locator": "yy-430602#7", "field": "category", "personal": true, "masked": true]))
        #expect(evidence[1] == .object(["source": "payment", "locator": "yy-430602#7", "field": "name", "personal": true, "masked": true, "value": "张*明"]))
        #expect(evidence[2] == .object(["source": "certificates", "locator": "line 12", "field": "status", "personal": false, "value": "注销"]))
        #expect(!contains(hidden.csv(), "身份证号"))

        let revealed = CrossCheckReport(run: ReportFixture.run(reveal: true), findings: ReportFixture.findings)
        let all = try ReportFixture.allBytes(revealed)
        for value in [ReportFixture.idA, ReportFixture.idB, ReportFixture.account, ReportFixture.category, ReportFixture.certNumber, ReportFixture.nameA] {
            #expect(contains(all, value))
        }
        let person = objects(try parse(try revealed.json())["findings"]).first { $0["rule"] == "XC-02" }?["person"]
        #expect(person == .object(["key": .string(ReportFixture.key(ReportFixture.idA)), "masked_name": "张*明", "name": "张小明", "id_number": .string(ReportFixture.idA)]))
        #expect(try parse(try revealed.json())["run"]?.objectValue?["purpose"] == "核查 2025 年秋季学期寄宿生生活补助")
        #expect(contains(revealed.csv(), "身份证号"))
    }

    @Test func findingsCSVHasABOMChineseHeadersAndIsSafeInASpreadsheet() throws {
        var findings = ReportFixture.findings
        findings.append(ReportFixture.finding(.unitMap, unit: "=HYPERLINK(\"http://x\")", person: nil, name: nil, program: nil, entries: [], amount: 0,
                                              summary: "+1, \"引号\"\n第二行", school: "@SUM(A1)"))
        findings.append(ReportFixture.finding(.method, unit: "-5", person: ReportFixture.idB, name: ReportFixture.nameB, entries: [ReportFixture.entry("yy", 1)], amount: 100,
                                              summary: "\t制表符开头"))
        let csv = CrossCheckReport(run: ReportFixture.run(), findings: findings).csv()
        #expect(Array(csv.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: csv.dropFirst(3), as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines[0] == "编号,规则,规则名称,严重程度,责任单位,检查单位,学校代码,资助项目,学期,人员标识,姓名,台账条目,金额(元),问题说明,证据,处理建议,状态,处理结果,处理说明,处理人,处理记录")
        #expect(text.contains(",'-5,") && text.contains("\"'=HYPERLINK(\"\"http://x\"\")\"") && text.contains(",'@SUM(A1),"))
        #expect(text.contains("\"'+1, \"\"引号\"\"\n第二行\"") && text.contains(",'\t制表符开头,"))
        #expect(!text.contains(",=") && !text.contains(",+") && !text.contains(",@"))
        #expect(text.contains(",625.00,") && text.contains(",1875.00,") && text.contains(",1.00,"))
        #expect(text.hasSuffix("\r\n"))
        // The header, one row per finding, and the empty rest after the last CRLF (a line break inside a quoted cell is
        // a lone LF).
        #expect(lines.count == 1 + findings.count + 1)
    }

    @Test func theHTMLIsPrintableSelfContainedAndEscaped() throws {
        var findings = ReportFixture.findings
        findings.append(ReportFixture.finding(.unitMap, unit: "<script>alert(1)</script>", person: nil, name: nil, program: nil, entries: [], amount: 5,
                                              summary: "单位 \"x\" & 'y' <b>"))
        let html = String(decoding: try CrossCheckReport(run: ReportFixture.run(), findings: findings).html(), as: UTF8.self)
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"zh-CN\">"))
        #expect(html.contains("<style>") && !html.lowercased().contains("<script") && !html.contains("src=") && !html.contains("href=") && !html.contains("url("))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && html.contains("单位 &quot;x&quot; &amp; &#39;y&#39; &lt;b&gt;"))
        // The summary: units × rules with 人次 and yuan, totals.
        #expect(html.contains("<th colspan=\"2\">XC-02 有人无证</th>") && html.contains("<th colspan=\"2\">合计</th>"))
        #expect(html.contains("<tr><th class=\"unit\">430602 岳阳楼区</th><td>1</td><td>625.00</td><td>0</td><td>0.00</td><td>1</td><td>800.00</td><td>1</td><td>1875.00</td><td>0</td><td>0.00</td><td>3</td><td>3300.00</td></tr>"))
        // A checked unit without findings is a row of zeros; the failed ledger is named.
        #expect(html.contains("<th class=\"unit\">430611</th><td>0</td>") && html.contains("未通过：entry 5: bad signature"))
        #expect(html.contains("<tfoot>\n<tr><th>合计</th><td>1</td><td>625.00</td>"))
        // Findings grouped by unit with its inspecting unit, then person.
        #expect(html.contains("<h3>430602 岳阳楼区（检查单位：430626 平江县）</h3>"))
        let a = try #require(html.range(of: "<h4>张*明"))
        let b = try #require(html.range(of: "<h4>欧**明"))
        let account = try #require(html.range(of: "<h4>不涉及具体学生的问题"))
        let key = ReportFixture.key(ReportFixture.idA) < ReportFixture.key(ReportFixture.idB)
        #expect(key ? a.lowerBound < b.lowerBound : b.lowerBound < a.lowerBound)
        #expect(a.lowerBound < account.lowerBound && b.lowerBound < account.lowerBound)
    }

    @Test func theDiffTellsNewOpenAndResolvedApart() throws {
        let first = ReportFixture.findings
        // The previous report revealed personal values; nothing of them may reach the next report.
        let previous = try CrossCheckReport(run: ReportFixture.run(reveal: true), findings: first, states: FindingDiff.firstRun(current: first).states).json()
        let xc02 = first[0], xc05 = first[1], xc08 = first[2], xc10 = first[3]
        let fresh = ReportFixture.finding(.method, unit: "430626", person: ReportFixture.idB, name: ReportFixture.nameB, entries: [ReportFixture.entry("yy-430626", 20)], amount: 75_000)
        // XC-05's later payment was reversed; XC-10's account now serves two students (a registry or payment change).
        let diff = try FindingDiff.compare(previousReport: previous, current: [xc02, xc08, fresh], reversed: [ReportFixture.entry("yy-430626", 3)])
        #expect(diff.states[xc02.id] == FindingState(status: .open) && diff.states[xc08.id] == FindingState(status: .open))
        #expect(diff.states[fresh.id] == .new)
        #expect(diff.states[xc05.id] == FindingState(status: .resolved, resolvedBy: .reversal))
        #expect(diff.states[xc10.id] == FindingState(status: .resolved, resolvedBy: .registryChange))
        #expect(diff.resolved.map(\.id).sorted() == [xc05.id, xc10.id].sorted())
        let r05 = try #require(diff.resolved.first { $0.id == xc05.id })
        #expect(r05.rule == .duplicateProgram && r05.unit == "430626" && r05.entries == xc05.entries && r05.amountFen == 75_000 && r05.maskedName == "张*明")

        var states = diff.states
        states[xc02.id]?.disposition = FindingDisposition(outcome: .confirmed, reason: "低保证已注销", action: "已追回 625.00 元", signer: "inspector-yueyang", seq: 31)
        let report = CrossCheckReport(run: ReportFixture.run(), findings: [xc02, xc08, fresh], states: states, resolved: diff.resolved)
        let root = try parse(try report.json())
        let list = objects(root["findings"])
        #expect(list.map { $0["state"]?.stringValue ?? "" }.sorted() == ["new", "open", "open"])
        let d = try #require(list.first { $0["id"]?.stringValue == xc02.id }?["disposition"]?.objectValue)
        #expect(d["outcome"] == "confirmed" && d["signer"] == "inspector-yueyang" && d["seq"] == 31 && d["action"] == "已追回 625.00 元")
        let resolved = objects(root["resolved"])
        #expect(resolved.count == 2 && resolved.allSatisfy { $0["state"] == "resolved" && $0["evidence"] == [] })
        #expect(resolved.first { $0["id"]?.stringValue == xc05.id }?["resolved_by"] == "reversal")
        #expect(resolved.first { $0["id"]?.stringValue == xc10.id }?["resolved_by"] == "registry_change")
        #expect(root["summary"]?.objectValue?["states"] == .object(["new": 1, "open": 2, "resolved": 2]))
        let bytes = try ReportFixture.allBytes(report)
        for secret in [ReportFixture.idA, ReportFixture.idB, ReportFixture.account, ReportFixture.nameA] { #expect(!contains(bytes, secret)) }
        let csv = String(decoding: report.csv(), as: UTF8.self)
        #expect(csv.contains("已解决（已冲正）") && csv.contains("已解决（登记信息变化）") && csv.contains("确认违规") && csv.contains("仍未解决") && csv.contains("新发现"))
        #expect(String(decoding: try report.html(), as: UTF8.self).contains("已解决的问题"))

        // A first run: everything new; the same findings again: everything open, nothing resolved.
        #expect(FindingDiff.firstRun(current: first).states.values.allSatisfy { $0 == .new })
        let again = try FindingDiff.compare(previousReport: previous, current: first, reversed: [])
        #expect(again.resolved.isEmpty && again.states.values.allSatisfy { $0.status == .open })
    }

    @Test func aPreviousReportThatIsNotOneIsRefusedNeverTrapped() throws {
        func refused(_ text: String) -> String? {
            do {
                _ = try FindingDiff.compare(previousReport: Array(text.utf8), current: [], reversed: [])
                return nil
            } catch {
                return error.reason
            }
        }
        #expect(refused("not json") != nil)
        #expect(refused("[]") == "the previous report is not a JSON object")
        #expect(refused("{\"format\":\"other\",\"findings\":[]}") == "the previous report's format is not aidledger/crosscheck-report/v1")
        #expect(refused("{\"format\":\"aidledger/crosscheck-report/v1\",\"findings\":[1]}") == "the previous report's finding 1 is not an object")
        #expect(refused("{\"format\":\"aidledger/crosscheck-report/v1\",\"findings\":[]}") == nil)

        // Random byte mutations of a real report: read or refused, never a trap.
        let report = try CrossCheckReport(run: ReportFixture.run(), findings: ReportFixture.findings).json()
        var state: UInt64 = 0x5eed
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        var read = 0, refusedCount = 0
        for _ in 0..<300 {
            var bytes = report
            for _ in 0...(next() % 4) {
                let at = Int(next() % UInt64(bytes.count))
                switch next() % 3 {
                case 0: bytes[at] = UInt8(truncatingIfNeeded: next())
                case 1: bytes.remove(at: at)
                default: bytes.insert([0x22, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x30, 0x2d][Int(next() % 8)], at: at)
                }
            }
            do {
                _ = try FindingDiff.compare(previousReport: bytes, current: ReportFixture.findings, reversed: [])
                read += 1
            } catch {
                refusedCount += 1
                #expect(!error.reason.isEmpty)
            }
        }
        #expect(read > 0 && refusedCount > 0)
    }

    @Test func numbersTheReportCannotCarryExactlyAreRefused() {
        let huge = ReportFixture.finding(.amountStandard, unit: "430602", person: ReportFixture.idA, name: nil, entries: [], amount: Int64.max)
        #expect(throws: ReportError.self) { try CrossCheckReport(run: ReportFixture.run(), findings: [huge]).json() }
        let half = ReportFixture.finding(.amountStandard, unit: "430602", person: ReportFixture.idA, name: nil, entries: [], amount: JSONValue.maxSafeInteger)
        let other = ReportFixture.finding(.method, unit: "430602", person: ReportFixture.idA, name: nil, entries: [], amount: 1)
        #expect(throws: ReportError.self) { try CrossCheckReport(run: ReportFixture.run(), findings: [half, other]).json() }
        #expect(throws: ReportError.self) { try CrossCheckReport(run: ReportFixture.run(), findings: [half, other]).html() }
        let bigSeq = ReportFixture.finding(.method, unit: "430602", person: ReportFixture.idA, name: nil, entries: [ReportFixture.entry("yy", UInt64.max)], amount: 1)
        #expect(throws: ReportError.self) { try CrossCheckReport(run: ReportFixture.run(), findings: [bigSeq]).json() }
        // The CSV shows what it is given.
        #expect(CrossCheckReport(run: ReportFixture.run(), findings: [huge]).csv().count > 0)
    }

    @Test func anEmptyRun() throws {
        let report = CrossCheckReport(run: ReportFixture.run(), findings: [])
        let root = try parse(try report.json())
        #expect(root["findings"] == [] && root["persons"] == [] && root["summary"]?.objectValue?["total"] == .object(["count": 0, "amount_fen": 0]))
        #expect(String(decoding: try report.html(), as: UTF8.self).contains("本次核查未发现问题"))
        #expect(String(decoding: report.csv(), as: UTF8.self).components(separatedBy: "\r\n").count == 2)
    }
}
