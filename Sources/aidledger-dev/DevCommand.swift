import ArgumentParser
import Foundation
import LedgerCore
import LedgerSamples
import LedgerServices
import LedgerTestVectors

extension AidLedgerDev {
    struct MakeVectors: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "make-vectors",
            abstract: "Write the ledger test vectors (valid and named broken ledgers) and their manifest.",
            discussion: "The committed vectors in Tests/Vectors are what the tests load; regenerate them only when the format changes on purpose."
        )

        @Option(name: .long, help: "Output directory.")
        var out: String = "Tests/Vectors/ledgers"

        @Option(name: .long, help: "Write only this vector (repeatable), keeping the other files and manifest entries as they are (keys are fresh on every run, so regenerating all rewrites every file).")
        var only: [String] = []

        func run() throws {
            try Files.makeDirectory(out)
            var manifest: [JSONValue] = []
            let vectors = try LedgerVectors.all()
            let unknown = Set(only).subtracting(vectors.map(\.name))
            guard unknown.isEmpty else { throw ValidationError("no vector named \(unknown.sorted().joined(separator: ", "))") }
            for v in vectors where only.isEmpty || only.contains(v.name) {
                try Files.write("\(out)/\(v.name).bundle", v.bundle)
                var entry: JSONObject = [
                    "name": .string(v.name), "description": .string(v.description), "bundle": .string("\(v.name).bundle"),
                    "ledger_key": .string(v.ledgerKey),
                    "expect": v.expectedCode.map { code in .object(["code": .string(code), "first_bad_seq": v.expectedSeq.map { .int(Int64($0)) } ?? .null]) } ?? .string("intact"),
                ]
                if let o = v.openings {
                    try Files.write("\(out)/\(v.name).openings.jsonl", o)
                    entry["openings"] = .string("\(v.name).openings.jsonl")
                }
                if let kept = v.keptCheckpoint {
                    try Files.write("\(out)/\(v.name).checkpoint", Array(kept.utf8))
                    entry["kept_checkpoint"] = .string("\(v.name).checkpoint")
                }
                manifest.append(.object(entry))
            }
            if !only.isEmpty {
                // Merge: earlier entries stay in place (replaced if regenerated), new ones follow.
                let existing = try JSONParser.parse(Array(try Files.read("\(out)/manifest.json")), mode: .lenient).arrayValue ?? []
                var fresh: [String: JSONValue] = [:]
                for m in manifest { if let name = m.objectValue?["name"]?.stringValue { fresh[name] = m } }
                var merged: [JSONValue] = []
                for m in existing {
                    guard let name = m.objectValue?["name"]?.stringValue else { continue }
                    merged.append(fresh.removeValue(forKey: name) ?? m)
                }
                merged += manifest.filter { m in m.objectValue?["name"]?.stringValue.map { fresh[$0] != nil } ?? false }
                manifest = merged
            }
            var bytes = [UInt8]()
            bytes += Array("[\n".utf8)
            for (i, m) in manifest.enumerated() {
                bytes += CanonicalJSON.encode(m)
                bytes += Array((i + 1 < manifest.count ? ",\n" : "\n").utf8)
            }
            bytes += Array("]\n".utf8)
            try Files.write("\(out)/manifest.json", bytes)
            print("wrote \(manifest.count) ledger vectors and manifest.json to \(out)")
        }
    }
}
