import Hummingbird
import LedgerStore
import Logging

/// Every error leaves the daemon as the documented JSON error body (`{"error":{"code","message"}}`), whoever
/// threw it: the routes' `APIError`s unchanged; the framework's own (no such route, wrong method, body too
/// large, malformed request) with a code for their status; a lost database as 503 with `Retry-After`; anything
/// else as 500. Every 5xx is logged with its cause (never a personal value: errors carry none).
struct ErrorAnswers<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            if error.status.code >= 500 { log(error.status.code, error.code, error.message, request, context) }
            throw error
        } catch let error as any HTTPResponseError {
            // No route for this method: 405 with Allow when the path is a route of other methods.
            if error.status == .notFound, let allowed = Routes.allowedMethods(path: request.uri.path), !allowed.contains(request.method.rawValue) {
                var answer = APIError(status: .methodNotAllowed, code: "method-not-allowed", message: "\(request.method.rawValue) is not allowed here; use \(allowed.joined(separator: ", "))")
                answer.allow = allowed.joined(separator: ", ")
                throw answer
            }
            throw Self.answer(frameworkError: error)
        } catch where LedgerStore.isConnectionProblem(error) {
            let cause = LedgerStore.describe(error)
            log(503, "unavailable", cause, request, context)
            throw APIError.unavailable("the ledger database is unavailable (\(cause)); retry")
        } catch {
            log(500, "internal", "\(error)", request, context)
            throw APIError(status: .internalServerError, code: "internal", message: "internal error (logged by the daemon); retry later or tell the operator")
        }
    }

    /// The framework's errors, answered in the API's shape.
    static func answer(frameworkError error: any HTTPResponseError) -> APIError {
        let status = error.status
        let code: String
        let message: String
        switch status {
        case .notFound: (code, message) = ("not-found", "no such resource (see docs/openapi.json for the routes)")
        case .methodNotAllowed: (code, message) = ("method-not-allowed", "this method is not allowed on this resource")
        case .contentTooLarge: (code, message) = ("too-large", "the request body is over the limit (max_body_bytes)")
        case .requestTimeout: (code, message) = ("timeout", "the request was not received in time (request_timeout_seconds)")
        case .unsupportedMediaType: (code, message) = ("media-type", "unsupported media type")
        default:
            code = status.code >= 500 ? "internal" : "bad-request"
            message = "\(status.code) \(status.reasonPhrase)"
        }
        return APIError(status: status, code: code, message: message)
    }

    func log(_ status: Int, _ code: String, _ cause: String, _ request: Request, _ context: Context) {
        logger.error("request failed", metadata: ["status": "\(status)", "code": "\(code)", "cause": "\(cause)",
                                                   "method": "\(request.method.rawValue)", "route": "\(context.endpointPath ?? "unmatched")"])
    }
}
