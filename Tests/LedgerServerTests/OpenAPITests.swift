import Foundation
import LedgerClient
import LedgerCore
import LedgerStore
import PostgresClient
import Testing
import TestSupport

/// docs/openapi.json against the running daemon: every documented operation answers with a documented status and
/// content type, successful JSON answers have the documented required members, and nothing undocumented is served.
@Suite struct OpenAPITests {
    /// The document, read by the project's I-JSON parser: its 64-bit bounds (the maxima of seq and size,
    /// beyond ±2^53−1) are replaced by 2^53−1 first; this test does not use them (.ci/api-contract validates the
    /// document as it is, and its fuzzer sends numbers up to them).
    static func document() throws -> JSONValue {
        var text = String(decoding: try readBytes(TestPaths.repoRoot.appendingPathComponent("docs/openapi.json")), as: UTF8.self)
        for big in ["18446744073709551615", "9223372036854775807"] { text = text.replacingOccurrences(of: big, with: "9007199254740991") }
        return try JSONParser.parse(Array(text.utf8), mode: .lenient)
    }

    @Test func runningServerMatchesTheDocument() throws {
        guard case .object(let doc) = try Self.document(),
              case .object(let paths)? = doc["paths"], case .object(let components)? = doc["components"] else {
            Issue.record("docs/openapi.json is not an OpenAPI document")
            return
        }
        let s = try LedgerSetup()
        let d = try DaemonProcess(conninfo: s.conninfo, dataDir: s.dir)
        defer { d.terminate() }
        // Content for the reads: one batch (seq 5 header, 6… payments).
        let batch = try s.batch("openapi-1", count: 2)
        #expect(try submit(batch, to: d.url, ledger: s.ledger.id, token: s.tokenA).status == 201)
        let c = try HTTPClient(url: d.url)

        func resolve(_ v: JSONValue) -> JSONObject? {
            guard case .object(let o) = v else { return nil }
            if let ref = o["$ref"]?.stringValue, ref.hasPrefix("#/components/") {
                let parts = ref.dropFirst("#/components/".count).split(separator: "/").map(String.init)
                var cur: JSONValue? = .object(components)
                for p in parts { cur = cur?.objectValue?[p] }
                return cur.flatMap { resolve($0) }
            }
            return o
        }

        var checked = 0
        for (template, item) in paths.members {
            guard case .object(let ops) = item else { continue }
            for (method, opValue) in ops.members {
                guard let op = resolve(opValue), case .object(let responses)? = op["responses"] else { continue }
                let path = template.replacingOccurrences(of: "{ledger}", with: "\(s.ledger.id)").replacingOccurrences(of: "{seq}", with: "6")
                    .replacingOccurrences(of: "{size}", with: "7").replacingOccurrences(of: "{id}", with: "no-such-run")
                var headers: [(String, String)] = [("Authorization", "Bearer \(method == "post" ? s.tokenA : s.inspectorToken)")]
                var body: [UInt8] = []
                if template.hasSuffix("/batches") {
                    headers.append(("Content-Type", "application/json"))
                    body = BatchRequest.json(try s.batch("openapi-2", count: 1, seed: 2))
                } else if template.hasSuffix("/reversals") {
                    headers.append(("Content-Type", "application/json"))
                    let store = LedgerStore(try PostgresConnection(s.conninfo))
                    let target = try store.entry(s.ledger, seq: 6)!
                    let amount = try PaymentBody(decoding: try Entry(decoding: target.bytes).body).amountFen
                    body = CanonicalJSON.encode(.object(try ReversalBody.make(target: 6, targetHash: target.hash, amountFen: amount, reason: "openapi test",
                                                                              origin: s.origin, signedAt: Timestamp.format(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000)), officer: s.officerA)))
                }
                let r = try c.request(method.uppercased(), path, headers: headers, body: body)
                let documented = responses[String(r.status)].flatMap(resolve)
                #expect(documented != nil, "\(method.uppercased()) \(template): status \(r.status) is not documented (\(r.text.prefix(200)))")
                if let documented, case .object(let content)? = documented["content"] {
                    let type = (r.header("content-type") ?? "").split(separator: ";").first.map(String.init) ?? ""
                    #expect(content[type] != nil, "\(method.uppercased()) \(template) \(r.status): content type \(type) is not documented")
                    if type == "application/json", let schema = content[type]?.objectValue?["schema"].flatMap(resolve),
                       let required = schema["required"]?.arrayValue?.compactMap(\.stringValue) {
                        let answer = jsonObject(r)
                        for name in required { #expect(answer?[name] != nil, "\(method.uppercased()) \(template): answer lacks \(name)") }
                    }
                }
                checked += 1
            }
        }
        #expect(checked == 24, "every operation of the document was exercised")
        // Nothing undocumented: an unknown route is 404.
        #expect(try c.request("GET", "/v1/ledgers/\(s.ledger.id)/nothing-here", headers: [("Authorization", "Bearer \(s.inspectorToken)")]).status == 404)
    }

    /// Every refusal code of the admission decision, and the store's refusals, are in the document's Error schema.
    @Test func everyRefusalCodeIsDocumented() throws {
        let document = String(decoding: try readBytes(TestPaths.repoRoot.appendingPathComponent("docs/openapi.json")), as: UTF8.self)
        for code in AdmissionRefusal.codes + [StoreError.Code.inconsistent.rawValue, StoreError.Code.wrongLedgerKey.rawValue] {
            #expect(document.contains(code), "docs/openapi.json does not name the refusal code \(code)")
        }
    }
}
