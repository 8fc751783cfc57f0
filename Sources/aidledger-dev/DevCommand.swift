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

        func run() throws {
            try Files.makeDirectory(out)
            var manifest: [JSONValue] = []
            for v in try LedgerVectors.all() {
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
                manifest.append(.object(entry))
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
