import Foundation
import LedgerCore
import LedgerCrypto
import LedgerDisclosure
import LedgerStore

/// A 公示 export found in the disclosures directory: its id (the directory's name, which must be the first 16 hex
/// digits of its manifest's SHA-256), where it is and its manifest, signed by the ledger key of a ledger this
/// service holds.
public struct PublishedDisclosure: Sendable {
    public let id: String
    public let directory: String
    public let manifest: DisclosureManifest
    /// The seq of the `disclosure` entry that records it.
    public let entrySeq: UInt64
}

/// The exports `aidledger disclose` wrote into a directory (`<data_dir>/disclosures`) and recorded in their ledger
/// (a `disclosure` entry naming the manifest), as the daemon serves them without a token: every file always, except the per-person list, which is served only during its 公示 period —
/// not before its first day, and gone after its last (the rules require its removal).
public enum PublishedDisclosures {
    /// Content types by file name.
    public static let contentTypes: [String: String] = [
        "list.csv": "text/csv; charset=utf-8", "totals.csv": "text/csv; charset=utf-8", "categories.csv": "text/csv; charset=utf-8",
        "list.html": "text/html; charset=utf-8", "totals.html": "text/html; charset=utf-8", "categories.html": "text/html; charset=utf-8",
        "list.xlsx": xlsx, "totals.xlsx": xlsx, "categories.xlsx": xlsx,
        DisclosureExports.manifestFile: "text/plain; charset=utf-8", DisclosureExports.bundleFile: "text/plain; charset=utf-8",
    ]
    static let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    /// The files of the per-person list.
    public static let listFiles: Set = ["list.csv", "list.xlsx", "list.html"]
    /// At most this many exports are looked at (a directory of more is a mistake, not a reason to stop answering).
    static let maxExports = 10_000

    /// Whether `id` has the shape of an export id (16 lowercase hex digits).
    public static func isID(_ id: String) -> Bool {
        id.utf8.count == 16 && id.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// The exports under `directory` that `load` accepts, newest 公示 first. Anything else is skipped.
    public static func list(_ store: LedgerStore, directory: String) throws -> [PublishedDisclosure] {
        let ledgers = try ledgersByOrigin(store)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter(isID).sorted().prefix(maxExports)
        var found: [PublishedDisclosure] = []
        for id in names {
            if let d = try load(store, ledgers, directory: directory, id: id) { found.append(d) }
        }
        return found.sorted { ($0.manifest.request.publicityStart, $0.id) > ($1.manifest.request.publicityStart, $1.id) }
    }

    /// One published export by id: its manifest parses, is signed by the genesis ledger key of a ledger of `store`, is
    /// the one its directory's name says, and is recorded there by a `disclosure` entry (a preview or a copy is not).
    public static func load(_ store: LedgerStore, directory: String, id: String) throws -> PublishedDisclosure? {
        try load(store, try ledgersByOrigin(store), directory: directory, id: id)
    }

    static func ledgersByOrigin(_ store: LedgerStore) throws -> [String: (record: LedgerRecord, key: VerifierKey)] {
        var ledgers: [String: (record: LedgerRecord, key: VerifierKey)] = [:]
        for ledger in try store.ledgers() { ledgers[ledger.origin] = (ledger, try store.genesisLedgerKey(ledger)) }
        return ledgers
    }

    static func load(_ store: LedgerStore, _ ledgers: [String: (record: LedgerRecord, key: VerifierKey)], directory: String, id: String) throws -> PublishedDisclosure? {
        guard let d = load(directory: directory, id: id, ledgerKeys: ledgers.mapValues(\.key)), let ledger = ledgers[d.manifest.origin]?.record,
              let entry = try store.entry(ledger, seq: d.entrySeq), isRecorded(d, entry: entry.bytes) else { return nil }
        return d
    }

    /// One export by id whose manifest parses, is signed by `ledgerKeys[origin]` and names this directory, with the
    /// seq of its disclosure entry (not yet checked against the ledger: `isRecorded`).
    static func load(directory: String, id: String, ledgerKeys: [String: VerifierKey]) -> PublishedDisclosure? {
        guard isID(id), let bytes = try? Files.read(directory + "/" + id + "/" + DisclosureExports.manifestFile), bytes.count <= 1 << 20,
              let (manifest, note) = try? DisclosureManifest.parse(note: Array(bytes)),
              let key = ledgerKeys[manifest.origin], manifest.isSigned(note, by: key), let sha = try? manifest.sha256, sha.hex.hasPrefix(id),
              let recorded = try? Files.read(directory + "/" + id + "/" + DisclosureExports.entryFile), recorded.count <= 300 else { return nil }
        // `<origin> <seq>`: where the disclosure entry that names this manifest is (checked by `isRecorded`).
        let parts = String(decoding: recorded, as: UTF8.self).split(separator: " ")
        guard parts.count == 2, parts[0] == manifest.origin, let seq = UInt64(parts[1].trimmingCharacters(in: .newlines)), seq > manifest.checkpointSize else { return nil }
        return PublishedDisclosure(id: id, directory: directory + "/" + id, manifest: manifest, entrySeq: seq)
    }

    /// Whether `entry` (the stored entry at `d.entrySeq`) is the `disclosure` entry that records `d`'s manifest: what
    /// makes an export published rather than a preview or a copy.
    public static func isRecorded(_ d: PublishedDisclosure, entry: [UInt8]) -> Bool {
        guard let e = try? Entry(decoding: entry), e.kind == .disclosure, let body = try? DisclosureBody(decoding: e.body),
              let sha = try? d.manifest.sha256 else { return false }
        return body.manifestSHA256 == sha && body.derivedSize == d.manifest.checkpointSize && body.derivedRoot == d.manifest.checkpointRoot
    }

    /// The body of `GET /v1/disclosures` (docs/openapi.json, `Disclosures`).
    public static func listing(_ found: [PublishedDisclosure], today: String) -> JSONValue {
        .object(["disclosures": .array(found.map { d in
            let m = d.manifest
            return .object([
                "id": .string(d.id), "origin": .string(m.origin), "title": .string(m.request.title),
                "publicity_start": .string(m.request.publicityStart), "publicity_end": .string(m.request.publicityEnd),
                "working_days": .int(m.workingDays), "checkpoint_size": .int(Int64(m.checkpointSize)), "checkpoint_root": .string(m.checkpointRoot.hex),
                "files": .array(m.files.map { f in
                    .object(["name": .string(f.name), "bytes": .int(f.bytes), "sha256": .string(f.sha256.hex),
                             "available": .bool(isServed(f.name, of: d, today: today))])
                }),
            ])
        })])
    }

    public enum FileAnswer: Sendable, Equatable {
        case file(bytes: [UInt8], contentType: String)
        case notFound(String)
        case gone(String)
    }

    /// Whether the file `name` is served on `today` (`YYYY-MM-DD`): the list files only from the first to the last day
    /// of the 公示 period.
    public static func isServed(_ name: String, of d: PublishedDisclosure, today: String) -> Bool {
        !listFiles.contains(name) || (d.manifest.request.publicityStart <= today && today <= d.manifest.request.publicityEnd)
    }

    /// The file `name` of `d` as served on `today`. A file whose bytes no longer match the manifest is not served.
    public static func file(_ d: PublishedDisclosure, name: String, today: String) -> FileAnswer {
        guard let type = contentTypes[name] else { return .notFound("no file \(name.prefix(40)) in a 公示 (the files are \(contentTypes.keys.sorted().joined(separator: ", ")))") }
        if listFiles.contains(name) {
            if today < d.manifest.request.publicityStart { return .notFound("the list of 公示 \(d.id) is published from \(d.manifest.request.publicityStart)") }
            if today > d.manifest.request.publicityEnd {
                return .gone("the 公示 period of \(d.id) ended on \(d.manifest.request.publicityEnd): its per-person list has been removed, as the rules require")
            }
        }
        guard let bytes = try? Files.read(d.directory + "/" + name) else { return .notFound("\(name) of 公示 \(d.id) is missing") }
        if let entry = d.manifest.files.first(where: { $0.name == name }) {
            guard Int64(bytes.count) == entry.bytes, (try? HashFunction(.sha256).hash(Array(bytes))) == entry.sha256 else {
                return .notFound("\(name) of 公示 \(d.id) does not match its manifest and is not served")
            }
        }
        return .file(bytes: Array(bytes), contentType: type)
    }
}
