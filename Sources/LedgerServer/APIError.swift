import Foundation
import Hummingbird
import LedgerCore

/// An error answered to the client: HTTP status, a stable code, a message naming the problem (never a personal
/// value), and for rejected files the list of problems (`file:line:column: field: why`).
struct APIError: HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    var problems: [String] = []
    var retryAfter: Int? = nil
    /// For 405: the methods the resource has.
    var allow: String? = nil

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var body: JSONObject = ["code": .string(code), "message": .string(message)]
        if !problems.isEmpty { body["problems"] = .array(problems.map { .string($0) }) }
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if let allow { headers[.allow] = allow }
        let bytes = CanonicalJSON.encode(.object(["error": .object(body)])) + [0x0a]
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func badRequest(_ code: String, _ message: String, problems: [String] = []) -> APIError {
        APIError(status: .badRequest, code: code, message: message, problems: problems)
    }
    static func unauthorized(_ message: String) -> APIError { APIError(status: .unauthorized, code: "unauthenticated", message: message) }
    static func forbidden(_ code: String, _ message: String) -> APIError { APIError(status: .forbidden, code: code, message: message) }
    static func notFound(_ message: String) -> APIError { APIError(status: .notFound, code: "not-found", message: message) }
    static func conflict(_ code: String, _ message: String) -> APIError { APIError(status: .conflict, code: code, message: message) }
    /// The answer to a refusal of the admission decision: its code unchanged, 403 for who signed it, 409 for
    /// what is already in the ledger, 422 for what the ledger cannot take (docs/openapi.json lists every code).
    static func refusal(_ r: AdmissionRefusal) -> APIError {
        let status: HTTPResponse.Status
        switch r.code {
        case "signer-unknown", "signer-revoked", "signer-role", "signer-scope", "bad-signature": status = .forbidden
        case "batch-duplicate", "payment-duplicate", "reversal-duplicate", "key-duplicate": status = .conflict
        default: status = .unprocessableContent
        }
        return APIError(status: status, code: r.code, message: r.message)
    }

    static func unavailable(_ message: String) -> APIError { APIError(status: .serviceUnavailable, code: "unavailable", message: message, retryAfter: 1) }
}
