import ArgumentParser
import Foundation
import LedgerClient
import LedgerCore
import LedgerCrossCheck
import LedgerCrypto
import LedgerServices
import LedgerStore

struct CrossCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crosscheck",
        abstract: "Cross-county verification (交叉核查): 有人无证, 有证无人 and the other rules of docs/CROSSCHECK.md.",
        subcommands: [Run.self, Dispose.self]
    )

    /// Where the rules and standards are when --rules is not given: $AIDLEDGER_RULES, ./Config/crosscheck (in the
    /// repository), else <data-dir>/crosscheck — written from the rules built into this program on first use, an
    /// editable copy that later runs keep.
    static func defaultRulesDirectory(dataDir: String) throws -> String {
        let candidates = [ProcessInfo.processInfo.environment["AIDLEDGER_RULES"], "Config/crosscheck", dataDir + "/crosscheck"].compactMap { $0 }
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/programs.csv") }) { return found }
        return try CrossCheckRuns.installBuiltInRules(into: dataDir + "/crosscheck")
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the ledgers of a period against the registry snapshots; write report.json, findings.csv and report.html; anchor the report in each inspected ledger.",
            discussion: """
                Every ledger is verified first (chain, signatures, checkpoints, openings); only ledgers that verify are \
                checked, a ledger that does not is named in the report. Payments are matched with the newest enrollment, \
                certificate and identity snapshots (aidledger registry import) through the keyed person key. Reading the \
                openings is recorded in each ledger's access log. A finding keeps its id from run to run: the report says \
                which findings are new, still open, or resolved since the previous report.json in --out. The report's \
                SHA-256 is appended to each inspected ledger as a crosscheck entry signed by --inspector-key (enrolled as \
                an inspector there); the ledger keys are looked up in the key directory (<data-dir>/keys and one level below).

                Other daemons: --server URL --token T (repeatable, in pairs; the token of an inspector for every unit). \
                Every ledger each server lists (or those named by --remote-ledger) is downloaded — its bundle, and its \
                openings through the token, which that daemon records in the ledger's access log — and verified here \
                before it is used; a ledger that fails is reported and not checked. Its crosscheck entry is posted to \
                its daemon. With --server, the local database's ledgers are checked only when named by --ledger; the \
                registry snapshots always come from the local database.
                """
        )

        @OptionGroup var db: DatabaseOptions

        @Option(name: .long, help: "The period checked, e.g. 2025-autumn, 2025年秋季, 2025-09.")
        var period: String

        @Option(name: .long, help: "A ledger origin in the database to check (repeatable; default: every ledger there).")
        var ledger: [String] = []

        @Option(name: .long, help: "Which unit inspects which: a pairing CSV (被检查单位,检查单位), e.g. Config/crosscheck/pairing-yueyang.csv.")
        var pairing: String?

        @Option(name: .long, help: "The rules and standards directory (default: $AIDLEDGER_RULES, ./Config/crosscheck, or <data-dir>/crosscheck, written from the built-in rules on first use).")
        var rules: String?

        @Option(name: .long, help: "The inspector's key file (signs the crosscheck entries).")
        var inspectorKey: String

        @Option(name: .long, help: "Output directory for report.json, findings.csv and report.html.")
        var out: String

        @Option(name: .long, help: "Use the newest registry snapshots as of this date (default: today).")
        var asOf: String?

        @Flag(name: .long, help: "Put ID numbers and personal evidence values in the report (needs --purpose; recorded in each access log).")
        var reveal = false

        @Option(name: .long, help: "Why personal values are read (recorded in each ledger's access log).")
        var purpose: String?

        @Flag(name: .long, help: "Write the report without appending crosscheck entries (a trial run).")
        var noAnchor = false

        @Option(name: .long, help: "Another aidledgerd whose ledgers are checked too, http://host:port (repeatable; each with a --token).")
        var server: [String] = []

        @Option(name: .long, help: "The API token for the --server in the same position, or a file holding it (an inspector for every unit).")
        var token: [String] = []

        @Option(name: .long, help: "A ledger origin to take from the servers (repeatable; default: every ledger each server lists).")
        var remoteLedger: [String] = []

        @Option(name: .long, help: "Seconds to keep retrying a server that answers 503 or cannot be reached (0: no retries).")
        var retryFor: Int = 60

        func validate() throws {
            if reveal && purpose == nil { throw ValidationError("--reveal needs --purpose: why the personal values are read (it is recorded)") }
            if server.count != token.count { throw ValidationError("give one --token for each --server, in the same order") }
            if !remoteLedger.isEmpty && server.isEmpty { throw ValidationError("--remote-ledger names ledgers of a --server") }
            if !(0...86_400).contains(retryFor) { throw ValidationError("--retry-for must be 0 to 86400 seconds") }
        }

        func run() throws {
            let rulesDirectory = try rules ?? CrossCheckCommand.defaultRulesDirectory(dataDir: db.dataDir)
            let period = PeriodText.normalize(self.period)
            let inspector = try KeyFile.read(inspectorKey)
            let phase = PhaseLine()
            let remote = try remoteSources()
            try db.open { database in
                try database.store.migrate()
                let request = CrossCheckRequest(period: period, origins: ledger, configurationDirectory: rulesDirectory, pairingFile: pairing,
                                                inspector: inspector, outDirectory: out, reveal: reveal, purpose: purpose, asOf: asOf, anchor: !noAnchor,
                                                includesLocalLedgers: server.isEmpty || !ledger.isEmpty)
                let outcome = try CrossCheckRuns.run(database.store, keyDirectory: db.keyDirectory, request: request, remote: remote) { phase.begin($0) }
                phase.end("checked")
                print(Self.summary(outcome))
                if !outcome.notAnchored.isEmpty { throw ExitCode(3) }
            }
        }

        /// The ledgers of the --server daemons the run checks: listed by each server (or named by --remote-ledger),
        /// each downloaded, verified and anchored through an `InspectorClient` of its server.
        func remoteSources() throws -> [RemoteLedgerSource] {
            var sources: [RemoteLedgerSource] = []
            for (url, tokenArgument) in zip(server, token) {
                let client: InspectorClient
                do { client = try InspectorClient(url: url, token: try RemoteToken.read(tokenArgument), retry: RetryPolicy(budget: .seconds(retryFor))) } catch {
                    throw CLIError("--server \(url): \(error)")
                }
                client.timeout = 600
                let listed: [ServerLedger]
                do { listed = try client.ledgers() } catch { throw CLIError("--server \(url): cannot list its ledgers: \(error)") }
                for l in listed where remoteLedger.isEmpty || remoteLedger.contains(l.origin) {
                    sources.append(RemoteLedgerSource(
                        origin: l.origin, suite: l.suite, location: "\(url) ledger \(l.id)",
                        read: { period, purpose in
                            let bundle = try client.bundle(ledger: l.id)
                            let openings = try client.openings(ledger: l.id, purpose: purpose)
                            return InspectedLedgers.read(bundle: bundle, openings: openings.openings, origin: l.origin, period: period)
                        },
                        appendCrossCheck: { body in try client.appendCrossCheck(ledger: l.id, body: body).firstSeq }
                    ))
                }
            }
            for origin in remoteLedger where !sources.contains(where: { $0.origin == origin }) {
                throw CLIError("--remote-ledger \(origin): no --server lists it")
            }
            return sources
        }

        static func summary(_ o: CrossCheckOutcome) -> String {
            var lines: [String] = []
            lines.append("cross-check \(o.runID): \(o.report.findings.count) findings")
            for l in o.ledgers {
                lines.append("  ledger \(l.origin): " + (l.verified ? "verified at size \(l.size), \(l.payments.count) payments read" : "NOT VERIFIED, not checked: \(l.problem ?? "")"))
            }
            var byRule: [RuleCode: (count: Int, fen: Int64)] = [:]
            for f in o.report.findings { byRule[f.rule, default: (0, 0)].count += 1; byRule[f.rule, default: (0, 0)].fen += f.amountFen }
            for (rule, v) in byRule.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(rule.rawValue) \(rule.shortName) \(rule.chineseName): \(v.count) 人次, \(TextFormat.yuan(v.fen)) 元")
            }
            let states = o.report.findings.map { o.report.state(of: $0).status }
            lines.append("  new \(states.filter { $0 == .new }.count), still open \(states.filter { $0 == .open }.count), resolved since the previous run \(o.report.resolved.count)")
            lines.append("report sha256 \(o.reportSHA256.hex)")
            for a in o.anchored { lines.append("  anchored in \(a.origin) (unit \(a.unit)) at seq \(a.seq)") }
            for n in o.notAnchored { lines.append("  NOT anchored in \(n.origin): \(n.why)") }
            for f in o.files { lines.append("wrote \(f)") }
            return lines.joined(separator: "\n")
        }
    }

    struct Dispose: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record an inspector's outcome for one finding of an anchored report (a signed disposition entry).",
            discussion: """
                The finding is named by its id in report.json; its rule and unit are read from the report, and the \
                disposition is appended to the ledger of the finding's payments (or --origin). Outcomes: confirmed \
                (an irregularity: --action says what was done), explained, false_positive (both with --reason).
                """
        )

        @OptionGroup var db: DatabaseOptions

        @Option(name: .long, help: "The report.json the finding is in (its SHA-256 must be anchored in the ledger).")
        var report: String

        @Option(name: .long, help: "The finding's id (32 hex digits).")
        var finding: String

        @Option(name: .long, help: "confirmed, explained or false_positive.")
        var outcome: String

        @Option(name: .long, help: "Why (recorded in the ledger; no personal data).")
        var reason: String

        @Option(name: .long, help: "What was done (required for confirmed).")
        var action: String?

        @Option(name: .long, help: "The inspector's key file.")
        var inspectorKey: String

        @Option(name: .long, help: "Record it through this aidledgerd (http://host:port) instead of the local database.")
        var server: String?

        @Option(name: .long, help: "With --server: the API token (an inspector's), or a file holding it.")
        var token: String?

        func validate() throws {
            if (server == nil) != (token == nil) { throw ValidationError("--server and --token go together") }
        }

        func run() throws {
            guard let outcome = DispositionBody.Outcome(rawValue: outcome) else { throw CLIError("--outcome must be confirmed, explained or false_positive") }
            let bytes = Array(try Files.read(report))
            let digest = try HashFunction(.sha256).hash(bytes)
            guard let parsed = try? JSONParser.parse(bytes, mode: .lenient), let findings = parsed.objectValue?["findings"]?.arrayValue,
                  let item = findings.first(where: { $0.objectValue?["id"]?.stringValue == finding })?.objectValue else {
                throw CLIError("\(report) has no finding \(finding)")
            }
            guard let rule = item["rule"]?.stringValue, let unit = item["unit"]?.stringValue else { throw CLIError("finding \(finding) in \(report) has no rule or unit") }
            // The ledger of the finding's payments; for a finding without payments (a registry row, an unknown unit
            // code), the checked ledger of the finding's unit.
            let unitLedger = parsed.objectValue?["run"]?.objectValue?["ledgers"]?.arrayValue?.first { l in
                (l.objectValue?["unit"]?.stringValue ?? "").split(separator: ",").contains { String($0) == unit }
            }?.objectValue?["origin"]?.stringValue
            let entryOrigin = item["entries"]?.arrayValue?.first?.objectValue?["origin"]?.stringValue ?? unitLedger
            let inspector = try KeyFile.read(inspectorKey)
            if let server, let token {
                guard let origin = db.origin ?? entryOrigin else { throw CLIError("finding \(finding) names no ledger; give --origin") }
                let client: InspectorClient
                do { client = try InspectorClient(url: server, token: try RemoteToken.read(token)) } catch { throw CLIError("--server \(server): \(error)") }
                let receipt: ServerReceipt
                do {
                    guard let ledger = try client.ledgers().first(where: { $0.origin == origin }) else { throw CLIError("\(server) has no ledger \(origin)") }
                    let body = try InspectedLedgers.dispositionBody(finding: finding, rule: rule, unit: unit, reportSHA256: digest, outcome: outcome, reason: reason,
                                                                    action: action, origin: origin, suite: ledger.suite, signedAt: nowTimestamp(), inspector: inspector)
                    receipt = try client.appendDisposition(ledger: ledger.id, body: body)
                } catch let error as ServerRefusal { throw CLIError("the server refused (\(error))") }
                print("finding \(finding) (\(rule), unit \(unit)): \(outcome.rawValue) \(outcome.chinese), recorded in \(origin) at seq \(receipt.firstSeq) (through \(server))")
                return
            }
            try db.open { database in
                let ledger = try database.ledger(origin: db.origin ?? entryOrigin)
                let ledgerKey = try LedgerKeyRing(directory: db.keyDirectory).ledgerKey(for: ledger, database.store)
                let receipt = try InspectedLedgers.dispose(database.store, ledger, finding: finding, rule: rule, unit: unit, reportSHA256: digest, outcome: outcome,
                                                           reason: reason, action: action, inspector: inspector, ledgerKey: ledgerKey)
                print("finding \(finding) (\(rule), unit \(unit)): \(outcome.rawValue) \(outcome.chinese), recorded in \(ledger.origin) at seq \(receipt.firstSeq)")
            }
        }
    }
}

/// Periods as officers write them: 2025年秋季 → 2025-autumn, 2025年春季 → 2025-spring; anything else as given.
enum PeriodText {
    static func normalize(_ text: String) -> String {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("年秋季"), t.count == 7 { return String(t.prefix(4)) + "-autumn" }
        if t.hasSuffix("年春季"), t.count == 7 { return String(t.prefix(4)) + "-spring" }
        return t
    }
}


