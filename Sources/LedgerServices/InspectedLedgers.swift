import Foundation
import LedgerCore
import LedgerCrossCheck
import LedgerCrypto
import LedgerStore
import LedgerVerify

/// One ledger as a cross-check run read it: verified first (chain, signatures, checkpoints, openings), then its
/// payments of the run's year with their openings. Only a ledger that verifies is checked by the rules.
public struct InspectedLedger: Sendable {
    public let origin: String
    public let suite: Suite
    /// The size the run read and verified (a signed checkpoint's size) and the root there.
    public let size: UInt64
    public let root: Digest32?
    /// Nil when the ledger verified; otherwise what verification found first.
    public let problem: String?
    /// The ledger's payments whose period is in the run's year, reversals applied.
    public let payments: [PaidItem]
    /// The units those payments are for (sorted); the origin's last path segment when there are none.
    public let units: [String]
    /// Valid `disposition` and `crosscheck` entries of the ledger.
    public let dispositions: [VerificationReport.Disposition]
    public let anchors: [VerificationReport.CrossCheckAnchor]

    public var verified: Bool { problem == nil }

    public init(origin: String, suite: Suite, size: UInt64, root: Digest32?, problem: String?, payments: [PaidItem], units: [String],
                dispositions: [VerificationReport.Disposition], anchors: [VerificationReport.CrossCheckAnchor]) {
        self.origin = origin
        self.suite = suite
        self.size = size
        self.root = root
        self.problem = problem
        self.payments = payments
        self.units = units
        self.dispositions = dispositions
        self.anchors = anchors
    }

    /// The unit a ledger is about when its payments do not say: the last path segment of its origin.
    static func defaultUnit(origin: String) -> String {
        let last = String(origin.split(separator: "/").last ?? Substring(origin))
        return FieldSyntax.isToken(last) ? last : "unknown"
    }
}

/// Collects what a run needs from a ledger's entries while they are verified: payments of the run's year
/// and the reversals that undo them. The same for entries streamed from the database and for the lines of a
/// downloaded bundle.
///
/// Payments are read straight from a token tape of the entry (the verifier has just checked the same bytes):
/// one pass over the body's members in canonical order, strings that repeat from entry to entry (batch id,
/// programme, school name) shared rather than copied. Anything unusual — an escaped string, an unknown member,
/// a value of another type — falls back to the general decoders (`Entry`, `PaymentBody`), which give the same
/// values for every entry they accept.
struct PaymentCollector {
    /// A payment of the run's year as its entry has it: everything a `PaidItem` holds except the personal values.
    struct Payment: Equatable {
        let entry: EntryReference
        let batchID: String
        let unit: String
        let schoolCode: String
        let schoolName: String
        let program: String
        let period: String
        let stage: Stage
        let grade: String
        let boarding: Bool
        let amountFen: Int64
        let accountType: AccountType
        let paidDate: String
        let supplementary: String?
    }

    let origin: String
    let suite: Suite
    /// The run's year, `YYYY`: the payments read are those whose period starts with it.
    let year: String
    var payments: [Payment] = []
    var reversals: [UInt64: EntryReference] = [:]
    var frontier = MerkleFrontier()
    let hash: HashFunction
    var tape = JSONTape(mode: .canonical)
    var batchIDs = RepeatedStrings(), programs = RepeatedStrings(), schoolNames = RepeatedStrings()

    init(origin: String, period: String, suite: Suite) {
        self.origin = origin
        self.suite = suite
        self.year = String(period.prefix(4))
        self.hash = suite.makeHashFunction()
    }

    mutating func visit(seq: UInt64, bytes: UnsafeRawBufferPointer, entryHash: Digest32) {
        frontier.append(entryHash, hash: hash)
        guard (try? tape.scan(bytes, checkingKeyOrder: false)) != nil, let kind = tape.member(0, "kind", in: bytes),
              tape.tokens[kind].kind == .string, !tape.tokens[kind].escaped else {
            return visitDecoding(seq: seq, bytes: bytes, entryHash: entryHash)
        }
        let name = tape.raw(kind, in: bytes)
        if Self.equal(name, "payment") {
            switch readPayment(bytes, EntryReference(origin: origin, seq: seq, hash: entryHash)) {
            case .payment(let p): payments.append(p)
            case .otherYear: return
            case .unusual: return visitDecoding(seq: seq, bytes: bytes, entryHash: entryHash)
            }
        } else if Self.equal(name, "reversal") {
            visitDecoding(seq: seq, bytes: bytes, entryHash: entryHash)
        }
    }

    /// The general path: the entry decoded as `Entry` and its body as `PaymentBody` or `ReversalBody`.
    mutating func visitDecoding(seq: UInt64, bytes: UnsafeRawBufferPointer, entryHash: Digest32) {
        guard let entry = try? Entry(decoding: bytes) else { return }
        switch entry.kind {
        case .payment:
            guard let body = try? PaymentBody(decoding: entry.body), body.period.hasPrefix(year) else { return }
            payments.append(Payment(entry: EntryReference(origin: origin, seq: seq, hash: entryHash), batchID: body.batchID, unit: body.unit,
                                    schoolCode: body.schoolCode, schoolName: body.schoolName, program: body.program, period: body.period,
                                    stage: body.stage, grade: body.grade, boarding: body.boarding, amountFen: body.amountFen,
                                    accountType: body.accountType, paidDate: body.paidDate, supplementary: body.supplementary))
        case .reversal:
            guard let body = try? ReversalBody(decoding: entry.body), reversals[body.target] == nil else { return }
            reversals[body.target] = EntryReference(origin: origin, seq: seq, hash: entryHash)
        default:
            return
        }
    }

    /// The ledger as read, after it verified: its payments with their openings, the units they are for, its valid
    /// dispositions and anchors.
    func inspected(openings: [Opening], report: VerificationReport) -> InspectedLedger {
        let items = paidItems(openings: openings)
        var units = Set(items.map(\.unit))
        if units.isEmpty { units.insert(InspectedLedger.defaultUnit(origin: origin)) }
        return InspectedLedger(origin: origin, suite: suite, size: frontier.size, root: root, problem: nil, payments: items, units: units.sorted(),
                               dispositions: report.dispositions, anchors: report.crosschecks)
    }

    /// The ledger as read, when it did not verify: its problem, nothing of its content.
    func failed(_ problem: String) -> InspectedLedger {
        InspectedLedger(origin: origin, suite: suite, size: frontier.size, root: root, problem: problem, payments: [], units: [], dispositions: [], anchors: [])
    }

    var root: Digest32? { frontier.size > 0 ? frontier.root(hash: hash) : nil }


    enum Read {
        case payment(Payment)
        case otherYear
        /// Not the common shape: decode it the general way.
        case unusual
    }

    /// The body's members in canonical order; `supplementary` is the only optional one.
    static let bodyKeys: [StaticString] = ["account_type", "amount_fen", "batch_id", "boarding", "commit", "grade", "index", "paid_date", "period",
                                           "program", "school_code", "school_name", "stage", "supplementary", "unit"]
    static let supplementaryKey = 13
    static let stages: [(StaticString, Stage)] = Stage.allCases.map { ($0.literal, $0) }
    static let accountTypes: [(StaticString, AccountType)] = AccountType.allCases.map { ($0.literal, $0) }

    /// A payment entry's body read from the tape of its bytes.
    mutating func readPayment(_ b: UnsafeRawBufferPointer, _ entry: EntryReference) -> Read {
        let t = tape.tokens
        guard let body = tape.member(0, "body", in: b), t[body].kind == .object else { return .unusual }
        var values = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let found: Bool = withUnsafeMutableBytes(of: &values) { raw in
            let v = raw.bindMemory(to: Int.self)
            var key = 0
            var i = body + 1
            while i < Int(t[body].next) {
                guard t[i].kind == .string, !t[i].escaped else { return false }
                let name = tape.raw(i, in: b)
                while key < Self.bodyKeys.count, !Self.equal(name, Self.bodyKeys[key]) {
                    guard key == Self.supplementaryKey else { return false }
                    key += 1
                }
                guard key < Self.bodyKeys.count else { return false }
                v[key] = i + 1
                key += 1
                i = Int(t[i + 1].next)
            }
            // Every member but `supplementary` is required, and `unit` is the last.
            return key == Self.bodyKeys.count
        }
        guard found else { return .unusual }
        let (accountType, amount, batchID, boarding, _, grade, index, paidDate, period, program, schoolCode, schoolName, stage, supplementary, unit) = values
        func text(_ i: Int) -> UnsafeRawBufferPointer? {
            guard t[i].kind == .string, !t[i].escaped else { return nil }
            return tape.raw(i, in: b)
        }
        guard let periodBytes = text(period) else { return .unusual }
        guard periodBytes.starts(with: year.utf8) else { return .otherYear }
        guard let accountTypeBytes = text(accountType), let type = Self.accountTypes.first(where: { Self.equal(accountTypeBytes, $0.0) })?.1,
              t[amount].kind == .int, t[index].kind == .int, t[boarding].kind == .trueValue || t[boarding].kind == .falseValue,
              let stageBytes = text(stage), let stageValue = Self.stages.first(where: { Self.equal(stageBytes, $0.0) })?.1,
              let batchIDBytes = text(batchID), let gradeBytes = text(grade), let paidDateBytes = text(paidDate), let programBytes = text(program),
              let schoolCodeBytes = text(schoolCode), let schoolNameBytes = text(schoolName), let unitBytes = text(unit)
        else { return .unusual }
        var supplementaryText: String? = nil
        if supplementary > 0 {
            guard let bytes = text(supplementary) else { return .unusual }
            supplementaryText = String(decoding: bytes, as: UTF8.self)
        }
        return .payment(Payment(entry: entry, batchID: batchIDs.string(batchIDBytes), unit: String(decoding: unitBytes, as: UTF8.self),
                                schoolCode: String(decoding: schoolCodeBytes, as: UTF8.self), schoolName: schoolNames.string(schoolNameBytes),
                                program: programs.string(programBytes), period: String(decoding: periodBytes, as: UTF8.self), stage: stageValue,
                                grade: String(decoding: gradeBytes, as: UTF8.self), boarding: t[boarding].kind == .trueValue, amountFen: t[amount].value,
                                accountType: type, paidDate: String(decoding: paidDateBytes, as: UTF8.self), supplementary: supplementaryText))
    }

    @inline(__always)
    static func equal(_ a: UnsafeRawBufferPointer, _ s: StaticString) -> Bool {
        a.count == s.utf8CodeUnitCount && (a.count == 0 || memcmp(a.baseAddress!, s.utf8Start, a.count) == 0)
    }

    /// The payments with their personal values and reversals. Openings come in seq order (so do the payments,
    /// as the entries were visited); each is matched to its payment by seq.
    func paidItems(openings: [Opening]) -> [PaidItem] {
        let n = payments.count, width = PersonalField.allCases.count
        var seqs = payments.map(\.entry.seq)
        var order = Array(0..<n)
        if zip(seqs, seqs.dropFirst()).contains(where: { $0 >= $1 }) {
            order.sort { seqs[$0] < seqs[$1] }
            seqs = order.map { seqs[$0] }
        }
        var personal = [[PersonalField: String]](repeating: [:], count: n)
        var cursor = 0
        for o in openings {
            // The next payment's seq is the usual answer; otherwise a binary search.
            if cursor >= n || seqs[cursor] != o.seq {
                var low = 0, high = n
                while low < high {
                    let mid = (low + high) / 2
                    if seqs[mid] < o.seq { low = mid + 1 } else { high = mid }
                }
                guard low < n, seqs[low] == o.seq else { continue }
                cursor = low
            }
            guard let field = Self.field(o.field) else { continue }
            let p = order[cursor]
            if personal[p].isEmpty { personal[p].reserveCapacity(width) }
            personal[p][field] = field == .idNumber ? Self.normalizedID(o.value) : o.value
        }
        var items: [PaidItem] = []
        items.reserveCapacity(n)
        for (i, p) in payments.enumerated() {
            items.append(PaidItem(entry: p.entry, batchID: p.batchID, unit: p.unit, schoolCode: p.schoolCode, schoolName: p.schoolName, program: p.program,
                                  period: p.period, stage: p.stage, grade: p.grade, boarding: p.boarding, amountFen: p.amountFen, accountType: p.accountType,
                                  paidDate: p.paidDate, supplementary: p.supplementary, personal: personal[i], reversedBy: reversals[p.entry.seq]))
        }
        return items
    }

    /// The personal field an opening names (`PersonalField(rawValue:)` without its string switch).
    static func field(_ name: String) -> PersonalField? {
        let candidate: PersonalField
        switch name.utf8.count {
        case 4: candidate = .name
        case 8: candidate = name.utf8.first == UInt8(ascii: "c") ? .category : .bankRef
        case 9: candidate = name.utf8.first == UInt8(ascii: "i") ? .idNumber : .certType
        case 11: candidate = .certNumber
        case 14: candidate = .accountNumber
        default: return nil
        }
        return name == candidate.rawValue ? candidate : nil
    }

    /// `IDNumber.normalize`, without a copy for the usual number that needs none.
    static func normalizedID(_ id: String) -> String {
        guard let first = id.utf8.first, let last = id.utf8.last else { return id }
        func space(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0d || c == 0x0a }
        if !space(first), !space(last), last != UInt8(ascii: "x") { return id }
        return IDNumber.normalize(id)
    }
}

/// Reading ledgers for a run — from the local database, or as a bundle and an openings file downloaded from
/// another daemon — and anchoring its report in them. Both are verified by the same verifier and read by the same
/// `PaymentCollector` before anything of them is used.
public enum InspectedLedgers {
    /// Verifies `ledger` and reads its payments of `period`'s year with their openings. The read of personal values
    /// is recorded in the ledger's access log (one record: every payment up to the size read, `principal`, `purpose`)
    /// before the values are used; a ledger that does not verify is not read further and is returned with its problem.
    public static func read(_ store: LedgerStore, _ ledger: LedgerRecord, period: String, principal: String, purpose: String,
                            progress: ((UInt64, UInt64) -> Void)? = nil) throws -> InspectedLedger {
        var collector = PaymentCollector(origin: ledger.origin, period: period, suite: ledger.suite)
        var openings: [Opening] = []
        let report = try StoreVerification.verify(store, ledger, progress: progress,
                                                  visit: { seq, bytes, hash in collector.visit(seq: seq, bytes: bytes, entryHash: hash) },
                                                  openingsRead: { openings = $0 })
        guard report.intact else {
            let first = report.findings.first.map { $0.description } ?? "verification failed"
            return collector.failed(first)
        }
        try store.recordPersonalRead(ledger, principal: principal, seq: max(collector.frontier.size, 1), fields: PersonalField.allCases.map(\.rawValue),
                                     purpose: purpose, at: nowTimestamp())
        return collector.inspected(openings: openings, report: report)
    }

    /// Verifies a ledger given as a bundle file (FORMAT.md §12) and its openings (§13) — what another daemon serves
    /// to an inspector — with the offline verifier, openings included, and reads its payments of `period`'s year
    /// exactly as `read(_:_:period:…)` reads those of the database. The bundle must be of `origin` (what the server
    /// listed); `trustedLedgerKey`, if given, is pinned. Openings of entries past the bundle's end (the server's head
    /// moved on between the two downloads) are left out. A ledger that does not verify is returned with its problem
    /// and no payments. (Recording the read is the serving daemon's: it did so before sending the openings.)
    public static func read(bundle: [UInt8], openings: [Opening], origin: String, period: String, trustedLedgerKey: String? = nil) -> InspectedLedger {
        bundle.withUnsafeBytes { bytes in
            let unknownSuite = Suite.ed25519SHA256
            let layout: LedgerCore.Bundle.Layout
            do { layout = try LedgerCore.Bundle.layout(bytes) } catch {
                return PaymentCollector(origin: origin, period: period, suite: unknownSuite).failed("the bundle is malformed: \((error as? FormatError)?.message ?? "\(error)")")
            }
            guard layout.header.origin == origin else {
                return PaymentCollector(origin: origin, period: period, suite: layout.header.suite)
                    .failed("the server sent the bundle of \(layout.header.origin) for ledger \(origin)")
            }
            let size = UInt64(layout.entryLines.count)
            var options = LedgerVerifier.Options()
            options.trustedLedgerKey = trustedLedgerKey
            options.openings = openings.filter { $0.seq <= size }
            // The server sends every opening it holds up to its head: one missing without an erase entry was deleted.
            options.openingsComplete = true
            var verifier = LedgerVerifier(options: options)
            verifier.addCheckpoints(layout.checkpoints)
            var collector = PaymentCollector(origin: origin, period: period, suite: layout.header.suite)
            var seq: UInt64 = 0
            for range in layout.entryLines {
                seq += 1
                let line = UnsafeRawBufferPointer(rebasing: bytes[range])
                let entryHash = EntryHash.compute(line, hash: collector.hash)
                verifier.consume(entryBytes: line, entryHash: entryHash, computedWith: layout.header.suite)
                collector.visit(seq: seq, bytes: line, entryHash: entryHash)
            }
            let report = verifier.finish()
            guard report.intact else {
                return collector.failed(report.findings.first.map { $0.description } ?? "verification failed")
            }
            // The header must agree with the genesis entry (FORMAT.md §12).
            guard report.origin == layout.header.origin, report.suite == layout.header.suite.rawValue else {
                return collector.failed("the bundle's header names \(layout.header.origin) and \(layout.header.suite.rawValue), its genesis entry \(report.origin) and \(report.suite)")
            }
            // A run anchors at a signed checkpoint: the bundle must end at one (every append ends with one, §11).
            guard report.latestCheckpoint?.size == size else {
                return collector.failed("the bundle ends at size \(size) but its latest valid checkpoint is at \(report.latestCheckpoint.map { String($0.size) } ?? "none")")
            }
            return collector.inspected(openings: options.openings, report: report)
        }
    }

    /// Appends the `crosscheck` entry of a run to `ledger`, signed by `inspector`, through the one append path.
    public static func anchor(_ store: LedgerStore, _ ledger: LedgerRecord, run: String, period: String, unit: String, inspectingUnit: String?,
                              checkedSize: UInt64, checkedRoot: Digest32, findings: Int, reportSHA256: Digest32, inspector: NamedSigningKey,
                              ledgerKey: NamedSigningKey) throws -> Receipt {
        guard inspector.suite == ledger.suite else {
            throw ServiceError("the inspector key is \(inspector.suite.rawValue), ledger \(ledger.origin) is \(ledger.suite.rawValue)", code: "suite-mismatch")
        }
        let now = nowTimestamp()
        let body = try CrossCheckBody.make(run: run, period: period, unit: unit, inspectingUnit: inspectingUnit, checkedSize: checkedSize, checkedRoot: checkedRoot,
                                           findings: findings, reportSHA256: reportSHA256, origin: ledger.origin, signedAt: now, inspector: inspector)
        return try Submissions.append(store, ledger, try .crosscheck(body), time: now, ledgerKey: ledgerKey).receipt
    }

    /// Appends an inspector's disposition of one finding of an anchored report.
    public static func dispose(_ store: LedgerStore, _ ledger: LedgerRecord, finding: String, rule: String, unit: String, reportSHA256: Digest32,
                               outcome: DispositionBody.Outcome, reason: String, action: String?, inspector: NamedSigningKey,
                               ledgerKey: NamedSigningKey) throws -> Receipt {
        let now = nowTimestamp()
        let body = try dispositionBody(finding: finding, rule: rule, unit: unit, reportSHA256: reportSHA256, outcome: outcome, reason: reason, action: action,
                                       origin: ledger.origin, suite: ledger.suite, signedAt: now, inspector: inspector)
        return try Submissions.append(store, ledger, try .disposition(body), time: now, ledgerKey: ledgerKey).receipt
    }

    /// The inspector-signed body of a disposition for the ledger `origin` (of `suite`), its fields checked first with
    /// the errors an inspector can act on: what `dispose` appends here and `aidledger crosscheck dispose --server`
    /// posts to a daemon.
    public static func dispositionBody(finding: String, rule: String, unit: String, reportSHA256: Digest32, outcome: DispositionBody.Outcome, reason: String,
                                       action: String?, origin: String, suite: Suite, signedAt: String, inspector: NamedSigningKey) throws -> JSONObject {
        guard DispositionBody.isFindingID(finding) else { throw ServiceError("a finding id is 32 lowercase hex digits (the report's \"id\")", code: "bad-finding") }
        guard DispositionBody.isRuleCode(rule) else { throw ServiceError("a rule is XC- and two digits, e.g. XC-02", code: "bad-rule") }
        guard FieldSyntax.isText(reason), action.map({ FieldSyntax.isText($0) }) ?? true else {
            throw ServiceError("the reason and the action must be 1–200 characters without control characters", code: "bad-reason")
        }
        guard outcome != .confirmed || action != nil else {
            throw ServiceError("a confirmed irregularity needs the action taken (--action), e.g. 停止发放并追回资金", code: "action-required")
        }
        guard inspector.suite == suite else {
            throw ServiceError("the inspector key is \(inspector.suite.rawValue), ledger \(origin) is \(suite.rawValue)", code: "suite-mismatch")
        }
        return try DispositionBody.make(finding: finding, rule: rule, unit: unit, reportSHA256: reportSHA256, outcome: outcome, reason: reason,
                                        action: action, origin: origin, signedAt: signedAt, inspector: inspector)
    }

    /// The inspector-signed `crosscheck` entry body a run calls for (`CrossCheckOutcome.anchors`).
    public static func crossCheckBody(_ anchor: CrossCheckAnchorRequest, suite: Suite, signedAt: String, inspector: NamedSigningKey) throws -> JSONObject {
        guard inspector.suite == suite else {
            throw ServiceError("the inspector key is \(inspector.suite.rawValue), ledger \(anchor.origin) is \(suite.rawValue)", code: "suite-mismatch")
        }
        return try CrossCheckBody.make(run: anchor.run, period: anchor.period, unit: anchor.unit, inspectingUnit: anchor.inspectingUnit, checkedSize: anchor.checkedSize,
                                       checkedRoot: anchor.checkedRoot, findings: anchor.findings, reportSHA256: anchor.reportSHA256, origin: anchor.origin,
                                       signedAt: signedAt, inspector: inspector)
    }
}

/// The ledger keys in a key directory (`*.key` in it and in its subdirectories one level down), found by the
/// key each ledger's genesis names: a city's data directory holds one ledger key per county.
public struct LedgerKeyRing {
    /// Every key file found, in path order.
    public let keys: [NamedSigningKey]

    public init(directory: String) {
        var found: [NamedSigningKey] = []
        let fm = FileManager.default
        var paths: [String] = []
        for name in ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).sorted() {
            let path = directory + "/" + name
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                for inner in ((try? fm.contentsOfDirectory(atPath: path)) ?? []).sorted() where inner.hasSuffix(".key") { paths.append(path + "/" + inner) }
            } else if name.hasSuffix(".key") {
                paths.append(path)
            }
        }
        for path in paths { if let key = try? KeyFile.read(path) { found.append(key) } }
        keys = found
    }

    /// The key that signs `ledger`'s checkpoints, checked against its genesis entry.
    public func ledgerKey(for ledger: LedgerRecord, _ store: LedgerStore) throws -> NamedSigningKey {
        for key in keys where key.name == ledger.origin && key.suite == ledger.suite {
            if (try? store.checkLedgerKey(key, for: ledger)) != nil { return key }
        }
        throw ServiceError("no ledger key of \(ledger.origin) in the key directory: the run's report cannot be anchored there", code: "ledger-key-missing")
    }
}
