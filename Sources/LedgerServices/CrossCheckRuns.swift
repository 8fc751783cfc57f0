import Foundation
import LedgerCore
import LedgerCrossCheck
import LedgerCrypto
import LedgerStore
import LedgerVerify

/// What a cross-check run is asked to do (`aidledger crosscheck run`, the daemon's inspector endpoint).
public struct CrossCheckRequest: Sendable {
    public var period: String
    /// Ledger origins in the local database; empty: every ledger there (when `includesLocalLedgers`).
    public var origins: [String]
    /// Whether ledgers of the local database are checked at all: false for a run over other daemons' ledgers only
    /// (the registries still come from the local database).
    public var includesLocalLedgers: Bool
    /// The rules and standards (`Config/crosscheck/`).
    public var configurationDirectory: String
    /// Which unit inspects which; nil: no pairing.
    public var pairingFile: String?
    /// The inspector's key name, as the report names who ran it.
    public var inspectorName: String
    /// The inspector's key, which signs the `crosscheck` entries; nil: the report is not anchored here (the daemon,
    /// which holds no inspector's key, hands the anchors to the inspector to sign).
    public var inspector: NamedSigningKey?
    /// Where report.json, findings.csv and report.html are written (the previous report.json there is the run the
    /// findings are compared with).
    public var outDirectory: String
    /// Personal values in the report (ID numbers, evidence values): needs a purpose, recorded in every access log.
    public var reveal: Bool
    public var purpose: String?
    /// The registry snapshots used: the newest of each kind as of this date (default: today).
    public var asOf: String?
    /// Append the `crosscheck` entry to each inspected ledger.
    public var anchor: Bool
    /// Who the access logs of the local ledgers name as the reader; nil: `local:<login name>` (the CLI). The
    /// daemon's runs name the inspector's key.
    public var readingPrincipal: String?

    public init(period: String, origins: [String], configurationDirectory: String, pairingFile: String?, inspector: NamedSigningKey?,
                inspectorName: String? = nil, outDirectory: String, reveal: Bool, purpose: String?, asOf: String? = nil, anchor: Bool = true,
                includesLocalLedgers: Bool = true, readingPrincipal: String? = nil) {
        self.inspectorName = inspectorName ?? inspector?.name ?? "unknown"
        self.period = period
        self.origins = origins
        self.configurationDirectory = configurationDirectory
        self.pairingFile = pairingFile
        self.inspector = inspector
        self.outDirectory = outDirectory
        self.reveal = reveal
        self.purpose = purpose
        self.asOf = asOf
        self.anchor = anchor
        self.includesLocalLedgers = includesLocalLedgers
        self.readingPrincipal = readingPrincipal
    }
}

/// A ledger of another daemon in a run (`aidledger crosscheck run --server URL --token T`): how to download and
/// verify it, and how to append a `crosscheck` entry to it. The HTTP is the caller's (the CLI's client); what is
/// done with what it fetches is the run's.
public struct RemoteLedgerSource {
    public let origin: String
    public let suite: Suite
    /// Where it is, for messages: e.g. `http://10.0.0.2:8080 ledger 3`.
    public let location: String
    /// Downloads the ledger's bundle and openings (the daemon records the bulk read with `purpose` in the ledger's
    /// access log before it sends them) and verifies them: `InspectedLedgers.read(bundle:openings:origin:period:)`.
    public let read: (_ period: String, _ purpose: String) throws -> InspectedLedger
    /// Appends an inspector-signed `crosscheck` body through the daemon; returns the entry's seq.
    public let appendCrossCheck: (_ body: JSONObject) throws -> UInt64

    public init(origin: String, suite: Suite, location: String, read: @escaping (_ period: String, _ purpose: String) throws -> InspectedLedger,
                appendCrossCheck: @escaping (_ body: JSONObject) throws -> UInt64) {
        self.origin = origin
        self.suite = suite
        self.location = location
        self.read = read
        self.appendCrossCheck = appendCrossCheck
    }
}

/// One `crosscheck` entry a run calls for (FORMAT.md §6.8), before it is signed.
public struct CrossCheckAnchorRequest: Sendable, Equatable {
    public let origin: String
    public let run: String
    public let period: String
    public let unit: String
    public let inspectingUnit: String?
    public let checkedSize: UInt64
    public let checkedRoot: Digest32
    public let findings: Int
    public let reportSHA256: Digest32
}

/// What a run did.
public struct CrossCheckOutcome: Sendable {
    public let runID: String
    public let report: CrossCheckReport
    public let reportSHA256: Digest32
    public let ledgers: [InspectedLedger]
    /// The `crosscheck` entries appended: origin, unit, seq.
    public let anchored: [(origin: String, unit: String, seq: UInt64)]
    /// Ledgers the report could not be anchored in, and why.
    public let notAnchored: [(origin: String, why: String)]
    /// The `crosscheck` entries the run calls for, one per inspected unit of each verified ledger: what an inspector
    /// signs (`CrossCheckBody.make`) when the run did not anchor them itself.
    public let anchors: [CrossCheckAnchorRequest]
    /// The files written.
    public let files: [String]

    /// How many findings the report holds.
    public var findingCount: Int { report.findings.count }
}

/// A cross-county run over the ledgers of the local database and of other daemons (`remote`): every ledger
/// verified first (only those that verify are checked), the registry snapshots of the local database, the rules and
/// standards as data, the engine, the report written and compared with the previous one, and its digest anchored in
/// each inspected ledger (through its daemon for a remote one).
public enum CrossCheckRuns {
    public static func run(_ store: LedgerStore, keyDirectory: String, request: CrossCheckRequest, remote: [RemoteLedgerSource] = [],
                           progress: (String) -> Void = { _ in }) throws -> CrossCheckOutcome {
        guard FieldSyntax.isPeriod(request.period) else {
            throw ServiceError("--period must be like 2025-autumn, 2025-spring, 2025-09 or 2025", code: "bad-period")
        }
        if request.reveal {
            guard let purpose = request.purpose, PersonalReads.isPurpose(purpose) else {
                throw ServiceError("--reveal puts ID numbers in the report: give --purpose (1–200 characters), which every ledger's access log records",
                                   code: "purpose-required")
            }
        }
        if let purpose = request.purpose, !PersonalReads.isPurpose(purpose) {
            throw ServiceError("--purpose must be 1–200 characters without control characters", code: "purpose-required")
        }
        let time = nowTimestamp()
        let runID = request.period + "/" + time.filter { $0.isNumber }.prefix(14)
        let configuration = try loadConfiguration(request.configurationDirectory)
        let pairing = try loadPairing(request.pairingFile, units: configuration.units)
        let personKeys = try PersonKeys(try PersonKeyFile.read(directory: keyDirectory))

        // Registries: the newest snapshot of each kind as of the date (all three must be there before anything is read).
        let asOf = request.asOf ?? RegistryImport.today()
        guard FieldSyntax.isDate(asOf) else { throw ServiceError("--as-of must be a date YYYY-MM-DD", code: "bad-date") }
        var newest: [(kind: RegistryKind, info: RegistrySnapshotInfo)] = []
        for kind in RegistryKind.allCases {
            guard let info = try store.latestRegistrySnapshot(kind: kind, asOf: asOf) else {
                throw ServiceError("no \(kind.rawValue) registry snapshot as of \(asOf): import one first (aidledger registry import --kind \(kind.rawValue) FILE)",
                                   code: "registry-missing")
            }
            newest.append((kind, info))
        }

        // Ledgers: each local one verified and read on other connections while the registries are read here; the
        // remote ones downloaded and verified after.
        let records: [LedgerRecord]
        if !request.includesLocalLedgers {
            records = []
        } else {
            records = request.origins.isEmpty ? try store.ledgers() : try request.origins.map { try store.ledger(origin: $0) }
        }
        guard !records.isEmpty || !remote.isEmpty else { throw ServiceError("the database has no ledger to check", code: "no-ledger") }
        var seen = Set<String>()
        for origin in records.map(\.origin) + remote.map(\.origin) where !seen.insert(origin).inserted {
            throw ServiceError("ledger \(origin) is given twice (in the local database and on a server, or on two servers): check it from one place",
                               code: "duplicate-ledger")
        }
        let purpose = String(("交叉核查 crosscheck \(runID) by \(request.inspectorName)" + (request.purpose.map { ": " + $0 } ?? "")).prefix(200))
        let principal = request.readingPrincipal ?? PersonalReads.localPrincipal()
        let reads = ParallelLedgerReads.start(store, records, period: request.period, principal: principal, purpose: purpose)

        var registries = RegistryData()
        var snapshots: [CrossCheckRun.Snapshot] = []
        do {
            for (kind, info) in newest {
                progress("reading the \(kind.rawValue) snapshot \(info.id) (\(info.rowCount) rows, as of \(info.asOf))")
                let rows = try RegistryImport.rows(store: store, snapshotID: info.id)
                switch kind {
                case .enrollment: registries.enrollment = rows.enrollment
                case .certificates: registries.certificates = rows.certificates
                case .identity: registries.identity = rows.identity
                }
                snapshots.append(.init(kind: kind, id: String(info.id), asOf: info.asOf, sha256: info.sha256, rows: Int(info.rowCount)))
            }
        } catch {
            reads.abandon()
            throw error
        }

        var ledgers = try reads.finish(store, progress: progress)
        for source in remote {
            progress("downloading and verifying \(source.origin) (\(source.location))")
            let read: InspectedLedger
            do { read = try source.read(request.period, purpose) } catch {
                read = InspectedLedger(origin: source.origin, suite: source.suite, size: 0, root: nil, problem: "cannot be read from \(source.location): \(error)",
                                       payments: [], units: [], dispositions: [], anchors: [])
            }
            if let problem = read.problem { progress("\(source.origin) does not verify: \(problem) — not checked") }
            ledgers.append(read)
        }
        let verified = ledgers.filter(\.verified)
        let payments = verified.flatMap(\.payments)
        let units = Array(Set(verified.flatMap(\.units))).sorted()
        progress("checking \(payments.count) payments of \(verified.count) ledgers against \(registries.enrollment.count) enrollment, \(registries.certificates.count) certificate and \(registries.identity.count) identity rows")
        let findings = try CrossCheckEngine.run(CrossCheckInput(period: request.period, payments: payments, registries: registries, units: units),
                                                configuration: configuration, personKeys: personKeys)
        progress("writing the report (\(findings.count) findings) to \(request.outDirectory)")

        // States: against the previous report in the output directory, with the latest disposition of each finding.
        let reportPath = request.outDirectory + "/report.json"
        var diff = FindingDiff.firstRun(current: findings)
        if FileManager.default.fileExists(atPath: reportPath) {
            let previous = try Files.read(reportPath)
            let reversed = Set(payments.filter { $0.reversedBy != nil }.map(\.entry))
            do { diff = try FindingDiff.compare(previousReport: Array(previous), current: findings, reversed: reversed) } catch {
                throw ServiceError("\(reportPath) is not a report of an earlier run (\(error)); move it away or choose another --out", code: "previous-report")
            }
        }
        var states = diff.states
        for (id, disposition) in latestDispositions(verified) {
            guard var state = states[id] else { continue }
            state.disposition = disposition
            states[id] = state
        }
        let run = CrossCheckRun(period: request.period, time: time, inspectorKey: request.inspectorName,
                                ledgers: ledgers.map { l in
                                    .init(origin: l.origin, unit: l.units.joined(separator: ","), size: l.size, rootHex: l.root?.hex ?? "",
                                          verified: l.verified, problem: l.problem)
                                },
                                snapshots: snapshots, configurationFiles: configuration.files + (pairing.file.map { [$0] } ?? []), pairing: pairing,
                                reveal: request.reveal, purpose: request.purpose, units: configuration.units)
        let report = CrossCheckReport(run: run, findings: findings, states: states, resolved: diff.resolved)
        let json: [UInt8], html: [UInt8]
        do {
            json = try report.json()
            html = try report.html()
        } catch { throw ServiceError("the report cannot be written: \(error)", code: "report") }
        let digest = try HashFunction(.sha256).hash(json)

        // Written: the previous report kept beside the new one, then the new files (0600: they may hold personal values).
        try Files.makeDirectory(request.outDirectory, mode: 0o700)
        if FileManager.default.fileExists(atPath: reportPath) {
            let previousPath = request.outDirectory + "/report.previous.json"
            try? FileManager.default.removeItem(atPath: previousPath)
            try FileManager.default.moveItem(atPath: reportPath, toPath: previousPath)
        }
        var files: [String] = []
        for (name, bytes) in [("report.json", json), ("findings.csv", report.csv()), ("report.html", html)] {
            let path = request.outDirectory + "/" + name
            try? FileManager.default.removeItem(atPath: path)
            try Files.write(path, bytes, mode: 0o600)
            files.append(path)
        }

        // Anchored: one crosscheck entry per inspected unit of each verified ledger.
        var anchors: [CrossCheckAnchorRequest] = []
        for l in verified {
            guard let root = l.root else { continue }
            for unit in l.units {
                anchors.append(CrossCheckAnchorRequest(origin: l.origin, run: runID, period: request.period, unit: unit, inspectingUnit: pairing.inspector(of: unit),
                                                       checkedSize: l.size, checkedRoot: root, findings: findings.filter { $0.unit == unit }.count,
                                                       reportSHA256: digest))
            }
        }
        var anchored: [(origin: String, unit: String, seq: UInt64)] = []
        var notAnchored: [(origin: String, why: String)] = []
        if request.anchor, let inspector = request.inspector {
            let ring = LedgerKeyRing(directory: keyDirectory)
            for origin in Array(Set(anchors.map(\.origin))).sorted() {
                guard let record = records.first(where: { $0.origin == origin }) else { continue }
                do {
                    let ledgerKey = try ring.ledgerKey(for: record, store)
                    for a in anchors where a.origin == origin {
                        progress("anchoring the report in \(origin) (unit \(a.unit))")
                        let receipt = try InspectedLedgers.anchor(store, record, run: a.run, period: a.period, unit: a.unit, inspectingUnit: a.inspectingUnit,
                                                                  checkedSize: a.checkedSize, checkedRoot: a.checkedRoot, findings: a.findings,
                                                                  reportSHA256: a.reportSHA256, inspector: inspector, ledgerKey: ledgerKey)
                        anchored.append((origin, a.unit, receipt.firstSeq))
                    }
                } catch let error as ServiceError {
                    notAnchored.append((origin, error.message))
                }
            }
            let now = nowTimestamp()
            for source in remote {
                for a in anchors where a.origin == source.origin {
                    progress("anchoring the report in \(source.origin) (unit \(a.unit)) through \(source.location)")
                    do {
                        let body = try InspectedLedgers.crossCheckBody(a, suite: source.suite, signedAt: now, inspector: inspector)
                        anchored.append((source.origin, a.unit, try source.appendCrossCheck(body)))
                    } catch let error as ServiceError {
                        notAnchored.append((source.origin, error.message))
                    } catch {
                        notAnchored.append((source.origin, "\(error)"))
                    }
                }
            }
        }
        return CrossCheckOutcome(runID: runID, report: report, reportSHA256: digest, ledgers: ledgers, anchored: anchored, notAnchored: notAnchored, anchors: anchors, files: files)
    }

    /// The rules and standards of a configuration directory: every regular file in it (not its subdirectories).
    public static func loadConfiguration(_ directory: String) throws -> CrossCheckConfiguration {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted() } catch {
            throw ServiceError("cannot read the rules directory \(directory): \(error.localizedDescription)", code: "configuration-missing")
        }
        var files: [(name: String, bytes: [UInt8])] = []
        for name in names {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            files.append((name, Array(try Files.read(directory + "/" + name))))
        }
        do { return try CrossCheckConfiguration.load(files: files) } catch {
            throw ServiceError("the rules in \(directory) are not valid (\(error.errors.count)\(error.truncated ? "+" : "") problems):\n\(error.description)",
                               code: "configuration-invalid")
        }
    }

    static func loadPairing(_ path: String?, units: [UnitDefinition]) throws -> Pairing {
        guard let path else { return Pairing(inspectingUnit: [:]) }
        let bytes = Array(try Files.read(path))
        do { return try Pairing.load(name: URL(fileURLWithPath: path).lastPathComponent, bytes: bytes, units: units) } catch {
            throw ServiceError("the pairing file \(path) is not valid:\n\(error.description)", code: "configuration-invalid")
        }
    }

    /// The latest disposition of each finding id over the verified ledgers: a later entry of a ledger supersedes an
    /// earlier one (FORMAT.md §6.9); a finding is disposed of in the ledger of its unit.
    static func latestDispositions(_ ledgers: [InspectedLedger]) -> [String: FindingDisposition] {
        var latest: [String: FindingDisposition] = [:]
        for l in ledgers {
            for d in l.dispositions.sorted(by: { $0.seq < $1.seq }) {
                guard let outcome = FindingDisposition.Outcome(rawValue: d.outcome) else { continue }
                latest[d.finding] = FindingDisposition(outcome: outcome, reason: d.reason, action: d.action, signer: d.signer, seq: d.seq)
            }
        }
        return latest
    }
}

extension CrossCheckRuns {
    /// The rules and standards built into this program (Config/crosscheck/ as it was when it was built).
    public static var builtInRules: [(name: String, bytes: [UInt8])] {
        BuiltInRules.files.compactMap { f in Base64.decode(f.base64).map { (f.name, $0) } }
    }

    /// Writes the built-in rules to `directory` unless it already has rules (an officer's edited copy is kept), and
    /// returns it: the demo and the daemon's first start give each data directory its own editable copy.
    @discardableResult
    public static func installBuiltInRules(into directory: String) throws -> String {
        if FileManager.default.fileExists(atPath: directory + "/programs.csv") { return directory }
        try Files.makeDirectory(directory, mode: 0o755)
        for f in builtInRules { try Files.write(directory + "/" + f.name, f.bytes, mode: 0o644) }
        return directory
    }
}
