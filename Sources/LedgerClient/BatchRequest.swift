import Foundation
import LedgerCore
import LedgerCrypto

/// The request bodies of `POST /v1/ledgers/{id}/batches` for a batch prepared and signed by the officer
/// (docs/openapi.json): JSON, or a prepared CSV file with the signed header in the `Aidledger-Batch` header.
public enum BatchRequest {
    /// The columns of a prepared file, English names.
    static let columns = ["id_number", "name", "unit", "school_code", "school_name", "stage", "grade", "boarding", "category", "cert_type",
                         "cert_number", "program", "period", "amount_fen", "account_type", "account_number", "paid_date", "bank_ref", "supplementary_reason", "salts"]

    /// One row's values by column, the salts as hex in the order the batch consumed them.
    static func rows(_ batch: PreparedBatch) -> [[String: String]] {
        let program = batch.header["program"]?.stringValue ?? "", period = batch.header["period"]?.stringValue ?? ""
        var salts = [String](repeating: "", count: batch.items.count)
        batch.salts.withUnsafeBytes { raw in
            for o in batch.openings {
                salts[Int(o.index)] += Hex.encode(UnsafeRawBufferPointer(rebasing: raw[Int(o.saltOffset)..<(Int(o.saltOffset) + Commitment.saltLength)]))
            }
        }
        return batch.items.enumerated().map { i, item in
            var row: [String: String] = [
                "unit": item.unit, "school_code": item.schoolCode, "school_name": item.schoolName, "stage": item.stage.rawValue, "grade": item.grade,
                "boarding": item.boarding ? "yes" : "no", "program": program, "period": period, "amount_fen": String(item.amountFen),
                "account_type": item.accountType.rawValue, "paid_date": item.paidDate, "salts": salts[i],
            ]
            for f in PersonalField.allCases { if let v = item.value(f) { row[f.rawValue] = v } }
            if let reason = item.supplementaryReason { row["supplementary_reason"] = reason }
            return row
        }
    }

    /// `application/json`: `{"batch": <signed header>, "payments": [{column: value, …, "salts": hex}]}`.
    public static func json(_ batch: PreparedBatch) -> [UInt8] {
        let payments: [JSONValue] = rows(batch).map { row in
            .object(JSONObject(columns.compactMap { c in row[c].map { (key: c, value: JSONValue.string($0)) } }))
        }
        return CanonicalJSON.encode(.object(["batch": .object(batch.header), "payments": .array(payments)]))
    }

    /// `text/csv`: the prepared file, and the value of the `Aidledger-Batch` header (base64 of the signed header).
    public static func csv(_ batch: PreparedBatch) -> (body: [UInt8], header: String) {
        var out = columns.joined(separator: ",") + "\n"
        for row in rows(batch) {
            out += columns.map { c in
                let v = row[c] ?? ""
                return v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : v
            }.joined(separator: ",") + "\n"
        }
        return (Array(out.utf8), Base64.encode(CanonicalJSON.encode(.object(batch.header))))
    }
}
