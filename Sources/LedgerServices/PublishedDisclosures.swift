import Foundation
import LedgerCore
import LedgerCrypto
import LedgerDisclosure

/// A 公示 export found in the disclosures directory: its id (the directory's name, which must be the first 16 hex
/// digits of its manifest's SHA-256), where it is and its manifest, signed by the ledger key of a ledger this
/// service holds.
public struct PublishedDisclosure: Sendable {
    public let id: String
    public let directory: String
    public let manifest: DisclosureManifest
}

/// The exports `aidledger disclose` wrote into a directory (`<data_dir>/disclosures`), as the daemon serves them
/// without a token: every file always, except the per-person list, which is served only during its 公示 period —
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

    /// The exports under `directory` whose manifest parses, is signed by `ledgerKeys[origin]` (the genesis ledger key
    /// of a ledger this service holds) and names this directory's id; newest 公示 first. Anything else is skipped.
    public static func list(directory: String, ledgerKeys: [String: VerifierKey]) -> [PublishedDisclosure] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter(isID).sorted().prefix(maxExports)
        var found: [PublishedDisclosure] = []
        for id in names {
            if let d = load(directory: directory, id: id, ledgerKeys: ledgerKeys) { found.append(d) }
        }
        return found.sorted { ($0.manifest.request.publicityStart, $0.id) > ($1.manifest.request.publicityStart, $1.id) }
    }

    /// One export by id, when it is valid as `list` requires.
    public static func load(directory: String, id: String, ledgerKeys: [String: VerifierKey]) -> PublishedDisclosure? {
        guard isID(id), let bytes = try? Files.read(directory + "/" + id + "/" + DisclosureExports.manifestFile),
              let (manifest, note) = try? DisclosureManifest.parse(note: Array(bytes)),
              let key = ledgerKeys[manifest.origin], manifest.isSigned(note, by: key), (try? manifest.sha256)?.hex.hasPrefix(id) == true else { return nil }
        return PublishedDisclosure(id: id, directory: directory + "/" + id, manifest: manifest)
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
