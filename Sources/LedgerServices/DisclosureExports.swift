import Foundation
import LedgerCore
import LedgerCrypto
import LedgerDisclosure
import LedgerStore

/// A 公示 export as `aidledger disclose` asks for it.
public struct DisclosureExportRequest: Sendable {
    public var request: DisclosureRequest
    /// Category cells with fewer people are suppressed (docs/FORMAT.md §18).
    public var threshold: Int
    /// The shortest 公示 period accepted, in working days.
    public var minimumWorkingDays: Int
    /// A working-day calendar file (`date,kind`); nil: the calendar built in (Config/disclosure/calendar.csv).
    public var calendarFile: String?
    /// Write the files without recording the manifest in the ledger: a preview, not for publication (the daemon does
    /// not serve it; by default it goes to `<data-dir>/disclosure-previews`).
    public var dryRun: Bool

    public init(request: DisclosureRequest, threshold: Int = 5, minimumWorkingDays: Int = 5, calendarFile: String? = nil, dryRun: Bool = false) {
        self.request = request
        self.threshold = threshold
        self.minimumWorkingDays = minimumWorkingDays
        self.calendarFile = calendarFile
        self.dryRun = dryRun
    }
}

/// What an export wrote.
public struct DisclosureExportOutcome: Sendable {
    /// The first 16 hex digits of the manifest's SHA-256: the export's name under the disclosures directory and in
    /// the daemon's URLs.
    public let id: String
    public let directory: String
    public let manifest: DisclosureManifest
    /// The receipt of the `disclosure` entry; nil for a dry run.
    public let receipt: Receipt?
}

/// Makes a 公示 export of one ledger and publishes it: the ledger verified and read at its head (names masked,
/// categories counted, the read recorded in its access log), the nine files (LedgerDisclosure), the manifest signed
/// by the ledger key, the public bundle of the entries up to the checkpoint, and the `disclosure` entry appended
/// through the one append path. Nothing is left in `directory` unless all of it succeeded: the files are written
/// to a directory beside it and renamed into place after the entry is durable.
public enum DisclosureExports {
    /// The files of a published export besides the nine of `DisclosureFiles`.
    public static let manifestFile = "manifest.note", bundleFile = "ledger.bundle"
    /// Where the `disclosure` entry of the export is (`<origin> <seq>` and a line feed), so that the daemon serves only
    /// an export recorded in its ledger (a dry run has none). Not part of the manifest, which the entry names.
    public static let entryFile = "disclosure-entry.txt"

    public static func publish(_ store: LedgerStore, _ ledger: LedgerRecord, _ export: DisclosureExportRequest, ledgerKey: NamedSigningKey,
                               principal: String, directory parent: String, progress: (String) -> Void = { _ in }) throws -> DisclosureExportOutcome {
        let request = try validated(export.request)
        guard export.threshold >= DisclosureTables.minimumThreshold, export.threshold <= 1_000_000 else {
            throw ServiceError("--threshold must be a whole number from \(DisclosureTables.minimumThreshold) to 1000000 (fewer would show categories of one or two people)",
                               code: "bad-threshold")
        }
        guard ledgerKey.name == ledger.origin, ledgerKey.suite == ledger.suite else {
            throw ServiceError("the ledger key is \(ledgerKey.name), not that of \(ledger.origin)", code: "ledger-key-mismatch")
        }
        try store.checkLedgerKey(ledgerKey, for: ledger)
        let calendar = try loadCalendar(export.calendarFile)

        progress("verifying and reading \(ledger.origin)")
        let purpose = String("公示 disclosure \"\(request.title)\" by \(principal)".prefix(200))
        let source = try DisclosureReads.read(store, ledger, request: request, principal: principal, purpose: purpose)
        guard source.payments.contains(where: { request.covers(unit: $0.unit, schoolCode: $0.schoolCode, program: $0.program, period: $0.period) }) else {
            throw ServiceError("no payment of \(ledger.origin) up to size \(source.size) is in the scope asked for (units, schools, programmes, periods): nothing to publish",
                               code: "empty-scope")
        }
        progress("\(source.payments.count) payments of the units and periods read at size \(source.size); writing the files")
        let files: DisclosureFiles
        do {
            files = try DisclosureFiles.make(payments: source.payments, request: request, checkpoint: (Int64(source.size), source.root.hex),
                                             threshold: export.threshold, calendar: calendar, minimumWorkingDays: export.minimumWorkingDays)
        } catch {
            throw ServiceError("\(error)", code: "bad-disclosure")
        }
        let manifest = DisclosureManifest(
            origin: ledger.origin, suite: ledger.suite, checkpointSize: source.size, checkpointRoot: source.root, request: request,
            workingDays: Int64(files.workingDays), threshold: Int64(export.threshold),
            summary: .init(payments: Int64(files.summary.payments), paid: Int64(files.summary.paid), reversed: Int64(files.summary.reversed),
                           paidFen: files.summary.paidFen),
            files: try files.files.map { try DisclosureManifest.File(name: $0.name, contents: $0.bytes) }.sorted { $0.name < $1.name })
        let manifestSHA256 = try manifest.sha256
        let id = String(manifestSHA256.hex.prefix(16))
        let note = try manifest.signed(by: ledgerKey)

        // Everything goes to a directory beside the final one first.
        try Files.makeDirectory(parent, mode: 0o755)
        let final = parent + "/" + id
        let partial = parent + "/." + id + ".partial-\(getpid())"
        try? FileManager.default.removeItem(atPath: partial)
        try Files.makeDirectory(partial, mode: 0o755)
        do {
            for file in files.files { try Files.write(partial + "/" + file.name, file.bytes, mode: 0o644) }
            try Files.write(partial + "/" + manifestFile, Array(note.serialized.utf8), mode: 0o644)
            progress("writing the public bundle (entries 1…\(source.size))")
            // Streamed to the file in chunks (a million payments make a bundle of several hundred megabytes).
            let bundle = try BundleExport.upTo(store, ledger, size: source.size)
            let bundlePath = partial + "/" + bundleFile
            guard FileManager.default.createFile(atPath: bundlePath, contents: nil, attributes: [.posixPermissions: 0o644]),
                  let handle = FileHandle(forWritingAtPath: bundlePath) else {
                throw ServiceError("\(bundlePath): cannot create the file", code: "io")
            }
            do {
                try bundle.write(store, to: { try handle.write(contentsOf: $0) })
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }

            var receipt: Receipt? = nil
            if !export.dryRun {
                let body = try DisclosureBody(manifestSHA256: manifestSHA256, derivedSize: source.size, derivedRoot: source.root,
                                              publicityStart: request.publicityStart, publicityEnd: request.publicityEnd, units: request.units,
                                              requestedBy: principal)
                let r = try Submissions.append(store, ledger, .disclosure(body), time: nowTimestamp(), ledgerKey: ledgerKey).receipt
                try Files.write(partial + "/" + entryFile, Array("\(ledger.origin) \(r.firstSeq)\n".utf8), mode: 0o644)
                receipt = r
            }
            if FileManager.default.fileExists(atPath: final) {
                // The same manifest: the same files, already there.
                try FileManager.default.removeItem(atPath: final)
            }
            try FileManager.default.moveItem(atPath: partial, toPath: final)
            return DisclosureExportOutcome(id: id, directory: final, manifest: manifest, receipt: receipt)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    /// The request with its lists sorted and unique, every member checked (precise errors, no personal data).
    static func validated(_ r: DisclosureRequest) throws -> DisclosureRequest {
        func list(_ values: [String], _ option: String, _ valid: (String) -> Bool, _ expected: String) throws -> [String] {
            for v in values where !valid(v) { throw ServiceError("\(option): \"\(v.prefix(64))\" is not \(expected)", code: "bad-request") }
            return Array(Set(values)).sorted()
        }
        var r = r
        r.units = try list(r.units, "--unit", FieldSyntax.isToken, "a unit code (letters, digits, - _ . /)")
        r.schools = try list(r.schools, "--school", FieldSyntax.isToken, "a school code (letters, digits, - _ . /)")
        r.programs = try list(r.programs, "--program", { FieldSyntax.isText($0) }, "a programme name (1–200 characters)")
        r.periods = try list(r.periods, "--period", FieldSyntax.isPeriod, "a period (2025-autumn, 2025-09, 2025)")
        for (value, option) in [(r.title, "--title"), (r.contact, "--contact")] where !FieldSyntax.isText(value) {
            throw ServiceError("\(option) must be 1–200 characters without control characters", code: "bad-request")
        }
        for (value, option) in [(r.publicityStart, "--from"), (r.publicityEnd, "--to")] where !FieldSyntax.isDate(value) {
            throw ServiceError("\(option) must be a date of the calendar, YYYY-MM-DD (\"\(value.prefix(20))\" is not)", code: "bad-request")
        }
        guard r.publicityStart <= r.publicityEnd else { throw ServiceError("--to is before --from", code: "bad-request") }
        return r
    }

    /// Config/disclosure/calendar.csv as built in (`aidledger-dev embed-rules`).
    public static var builtInCalendar: [UInt8] { Base64.decode(BuiltInCalendar.base64) ?? [] }

    static func loadCalendar(_ path: String?) throws -> WorkingCalendar {
        let bytes: [UInt8], name: String
        if let path {
            do { bytes = Array(try Files.read(path)) } catch { throw ServiceError("\(path): cannot read the calendar file", code: "bad-calendar") }
            name = path
        } else {
            (bytes, name) = (builtInCalendar, "the built-in calendar")
        }
        do { return try WorkingCalendar.load(csv: bytes, file: name) } catch { throw ServiceError("\(error)", code: "bad-calendar") }
    }
}
