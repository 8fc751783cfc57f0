import Foundation
import LedgerCore
import LedgerImport
import LedgerStore

/// Turns request bodies into submissions: every field validated exactly as `aidledger import` validates a file,
/// the signed header checked against the rows it describes. Errors name the place (`payments[3].amount: …` for
/// JSON, `batch.csv:4:12: amount: …` for CSV) and never repeat a personal value.
enum SubmissionDecoder {
    /// `text/csv`: a prepared batch file (the officer's columns plus `salts`), and the signed batch header in
    /// the `Aidledger-Batch` request header (base64 of its JSON).
    static func csvBatch(_ body: [UInt8], headerField: String?, suite: Suite, dateLimits: DateLimits) throws -> PreparedBatch {
        guard let headerField, let headerBytes = Base64.decode(headerField.trimmingCharacters(in: .whitespaces)) else {
            throw APIError.badRequest("missing-batch-header", "a CSV batch needs the Aidledger-Batch header: base64 of the officer-signed batch header JSON")
        }
        guard case .object(let header)? = try? JSONParser.parse(headerBytes, mode: .lenient) else {
            throw APIError.badRequest("bad-batch-header", "the Aidledger-Batch header is not base64 of a JSON object")
        }
        let file: PaymentFile
        do { file = try body.withUnsafeBytes { try PaymentCSV.read($0, file: "batch.csv", dateLimits: dateLimits, prepared: true) } } catch let error as PaymentCSV.Rejection {
            throw APIError.badRequest("invalid-rows", "the batch file was rejected, nothing written (\(error.errors.count) problem\(error.errors.count == 1 ? "" : "s"))",
                                      problems: error.errors.map(\.description))
        }
        return try rebuild(header: header, file: file, suite: suite)
    }

    /// `application/json`: `{"batch": <signed header>, "payments": [{"<column>": "<value>", …, "salts": "<hex>"}]}`
    /// with the same column names as the CSV file (English).
    static func jsonBatch(_ body: [UInt8], suite: Suite, dateLimits: DateLimits) throws -> PreparedBatch {
        let value: JSONValue
        do { value = try JSONParser.parse(body, mode: .lenient) } catch {
            throw APIError.badRequest("malformed-json", "the request body is not valid JSON: \(error.description)")
        }
        guard case .object(let root) = value else { throw APIError.badRequest("malformed-json", "the request body must be a JSON object") }
        for key in root.keys where key != "batch" && key != "payments" {
            throw APIError.badRequest("unknown-field", "unknown member \"\(key)\" (expected batch and payments)")
        }
        guard case .object(let header)? = root["batch"] else { throw APIError.badRequest("missing-field", "batch: must be the officer-signed batch header object") }
        guard case .array(let payments)? = root["payments"], !payments.isEmpty else {
            throw APIError.badRequest("missing-field", "payments: must be a non-empty array of payment objects")
        }
        // The same validation as a file: the rows as records (header first; row i is "line" i + 2), then JSON
        // places in the errors.
        var columns: [String] = []
        var columnIndex: [String: Int] = [:]
        var rows: [[String?]] = []
        var problems: [String] = []
        rows.reserveCapacity(payments.count)
        for (i, p) in payments.enumerated() {
            guard case .object(let o) = p else { problems.append("payments[\(i)]: must be an object"); continue }
            var row = [String?](repeating: nil, count: columns.count)
            for m in o.members {
                let text: String
                switch m.value {
                case .string(let s): text = s
                case .int(let n): text = String(n)
                case .bool(let b): text = b ? "yes" : "no"
                default:
                    problems.append("payments[\(i)].\(m.key): must be a string, a whole number or true/false")
                    continue
                }
                let c: Int
                if let known = columnIndex[m.key] { c = known } else {
                    c = columns.count
                    columnIndex[m.key] = c
                    columns.append(m.key)
                }
                if row.count <= c { row += [String?](repeating: nil, count: c + 1 - row.count) }
                row[c] = text
            }
            rows.append(row)
        }
        guard problems.isEmpty else { throw APIError.badRequest("invalid-rows", "the payments were rejected, nothing written", problems: problems) }
        var records = [CSVReader.Record(line: 1, fields: columns)]
        records.reserveCapacity(rows.count + 1)
        for (i, row) in rows.enumerated() {
            records.append(CSVReader.Record(line: i + 2, fields: (0..<columns.count).map { $0 < row.count ? row[$0] ?? "" : "" }))
        }
        let file: PaymentFile
        do { file = try PaymentCSV.read(records: records, file: "payments", dateLimits: dateLimits, prepared: true) } catch {
            throw APIError.badRequest("invalid-rows", "the payments were rejected, nothing written (\(error.errors.count) problem\(error.errors.count == 1 ? "" : "s"))",
                                      problems: error.errors.map { e in
                                          e.line <= 1 ? "payments: \(e.field.isEmpty ? "" : e.field + ": ")\(e.reason)"
                                                      : "payments[\(e.line - 2)]\(e.field.isEmpty ? "" : "." + e.field): \(e.reason)"
                                      })
        }
        return try rebuild(header: header, file: file, suite: suite)
    }

    static func rebuild(header: JSONObject, file: PaymentFile, suite: Suite) throws -> PreparedBatch {
        do {
            let batch = try BatchBuilder.rebuild(signedHeader: header, items: file.items, salts: file.salts ?? [], suite: suite)
            let h = batch.body
            guard h.unit == file.unit, h.program == file.program, h.period == file.period else {
                throw APIError.badRequest("header-mismatch", "the signed header names unit \(h.unit), \(h.program), \(h.period); the rows are \(file.unit), \(file.program), \(file.period)")
            }
            return batch
        } catch let e as FormatError {
            throw APIError.badRequest("header-mismatch", "batch: \(e.message)")
        }
    }

    /// `application/json`: a signed reversal body.
    static func reversal(_ body: [UInt8]) throws -> SignedBody<ReversalBody> {
        let value: JSONValue
        do { value = try JSONParser.parse(body, mode: .lenient) } catch {
            throw APIError.badRequest("malformed-json", "the request body is not valid JSON: \(error.description)")
        }
        guard case .object(let o) = value else { throw APIError.badRequest("malformed-json", "the request body must be a signed reversal object") }
        do { return SignedBody(json: o, fields: try ReversalBody(decoding: o)) } catch { throw APIError.badRequest("invalid-reversal", "reversal: \(error.message)") }
    }

    /// `application/json`: an inspector-signed `crosscheck` body (FORMAT.md §6.8), as `CrossCheckBody.make` returns it.
    static func crosscheck(_ body: [UInt8]) throws -> SignedBody<CrossCheckBody> {
        let o = try object(body, what: "a signed crosscheck object")
        do { return SignedBody(json: o, fields: try CrossCheckBody(decoding: o)) } catch { throw APIError.badRequest("invalid-crosscheck", "crosscheck: \(error.message)") }
    }

    /// `application/json`: an inspector-signed `disposition` body (FORMAT.md §6.9), as `DispositionBody.make` returns it.
    static func disposition(_ body: [UInt8]) throws -> SignedBody<DispositionBody> {
        let o = try object(body, what: "a signed disposition object")
        do { return SignedBody(json: o, fields: try DispositionBody(decoding: o)) } catch { throw APIError.badRequest("invalid-disposition", "disposition: \(error.message)") }
    }

    static func object(_ body: [UInt8], what: String) throws -> JSONObject {
        let value: JSONValue
        do { value = try JSONParser.parse(body, mode: .lenient) } catch {
            throw APIError.badRequest("malformed-json", "the request body is not valid JSON: \(error.description)")
        }
        guard case .object(let o) = value else { throw APIError.badRequest("malformed-json", "the request body must be \(what)") }
        return o
    }

}
