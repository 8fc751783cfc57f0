import Foundation
import HTTPTypes
import Hummingbird
import LedgerCore
import LedgerCrypto
import LedgerServices
import LedgerStore
import LedgerVerify

/// The HTTP API under /v1 (docs/openapi.json is its contract; a test checks the running server against it).
struct Routes: Sendable {
    let state: ServerState

    /// Bodies up to this size (a few dozen payments) are decoded on the handler's own task.
    static let inlineDecodeLimit = 64 << 10

    /// Every route and its methods: what `add(to:)` registers (a test checks the two agree), for the 405 answer
    /// and its Allow header.
    static let methods: [(pattern: String, methods: [String])] = [
        ("/healthz", ["GET"]), ("/readyz", ["GET"]), ("/metrics", ["GET"]), ("/v1/ledgers", ["GET"]),
        ("/v1/ledgers/:ledger/checkpoint", ["GET"]), ("/v1/ledgers/:ledger/checkpoints/:size", ["GET"]), ("/v1/ledgers/:ledger/keys", ["GET"]),
        ("/v1/ledgers/:ledger/entries", ["GET"]), ("/v1/ledgers/:ledger/entries/:seq", ["GET"]), ("/v1/ledgers/:ledger/batches", ["POST"]),
        ("/v1/ledgers/:ledger/reversals", ["POST"]), ("/v1/ledgers/:ledger/access-log", ["GET"]), ("/v1/ledgers/:ledger/bundle", ["GET"]),
        ("/v1/ledgers/:ledger/verification", ["GET"]), ("/v1/ledgers/:ledger/openings", ["GET"]), ("/v1/ledgers/:ledger/crosschecks", ["POST"]),
        ("/v1/ledgers/:ledger/dispositions", ["POST"]), ("/v1/crosscheck/runs", ["POST"]), ("/v1/crosscheck/runs/:id", ["GET"]),
        ("/v1/crosscheck/runs/:id/report.json", ["GET"]), ("/v1/crosscheck/runs/:id/report.html", ["GET"]), ("/v1/crosscheck/runs/:id/findings.csv", ["GET"]),
        ("/v1/disclosures", ["GET"]), ("/v1/disclosures/:id/:file", ["GET"]),
    ]

    /// The methods of the route `path` matches, if any.
    static func allowedMethods(path: String) -> [String]? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        for route in methods {
            let pattern = route.pattern.split(separator: "/", omittingEmptySubsequences: true)
            if pattern.count == segments.count, zip(pattern, segments).allSatisfy({ $0.hasPrefix(":") || $0 == $1 }) { return route.methods }
        }
        return nil
    }

    func add(to router: Router<BasicRequestContext>) {
        router.add(middleware: RequestMetrics(metrics: state.metrics))
        router.add(middleware: ErrorAnswers(logger: state.logger))
        router.get("/healthz") { _, _ in text("ok\n") }
        router.get("/readyz") { _, _ in try await ready() }
        router.get("/metrics") { _, _ in try await metrics() }
        router.get("/v1/ledgers") { _, _ in try await listLedgers() }
        router.get("/v1/ledgers/:ledger/checkpoint") { _, context in try await checkpoint(context, size: nil) }
        router.get("/v1/ledgers/:ledger/checkpoints/:size") { _, context in
            try await checkpoint(context, size: try Self.number(context, "size"))
        }
        router.get("/v1/ledgers/:ledger/keys") { request, context in try await keys(request, context) }
        router.get("/v1/ledgers/:ledger/entries") { request, context in try await listEntries(request, context) }
        router.get("/v1/ledgers/:ledger/entries/:seq") { request, context in try await entry(request, context) }
        router.post("/v1/ledgers/:ledger/batches") { request, context in try await submitBatch(request, context) }
        router.post("/v1/ledgers/:ledger/reversals") { request, context in try await submitReversal(request, context) }
        router.get("/v1/ledgers/:ledger/access-log") { request, context in try await accessLog(request, context) }
        router.get("/v1/ledgers/:ledger/bundle") { request, context in try await bundle(request, context) }
        router.get("/v1/ledgers/:ledger/verification") { request, context in try await verification(request, context) }
        router.get("/v1/ledgers/:ledger/openings") { request, context in try await openings(request, context) }
        router.post("/v1/ledgers/:ledger/crosschecks") { request, context in try await submitCrossCheck(request, context) }
        router.post("/v1/ledgers/:ledger/dispositions") { request, context in try await submitDisposition(request, context) }
        router.post("/v1/crosscheck/runs") { request, _ in try await startCrossCheckRun(request) }
        router.get("/v1/crosscheck/runs/:id") { request, context in try await crossCheckRun(request, context) }
        router.get("/v1/crosscheck/runs/:id/report.json") { request, context in try await crossCheckRunFile(request, context, name: "report.json") }
        router.get("/v1/crosscheck/runs/:id/report.html") { request, context in try await crossCheckRunFile(request, context, name: "report.html") }
        router.get("/v1/crosscheck/runs/:id/findings.csv") { request, context in try await crossCheckRunFile(request, context, name: "findings.csv") }
        router.get("/v1/disclosures") { _, _ in try await listDisclosures() }
        router.get("/v1/disclosures/:id/:file") { _, context in try await disclosureFile(context) }
    }

    // MARK: operations

    func ready() async throws -> Response {
        guard !state.isShuttingDown else { throw APIError.unavailable("shutting down") }
        do { _ = try await state.readers.run { try $0.ping() } } catch {
            throw APIError.unavailable("the ledger database is not reachable")
        }
        guard !state.metrics.lastWriteLackedSpace else {
            throw APIError(status: .serviceUnavailable, code: "no-space", message: "the last write failed: the database has no space left", retryAfter: 30)
        }
        return text("ready\n")
    }

    func metrics() async throws -> Response {
        let sizes = (try? await state.readers.run { store in try store.ledgers().map { ($0.origin, try store.head($0).size) } }) ?? []
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: state.metrics.render(ledgerSizes: sizes))))
    }

    // MARK: public reads

    func listLedgers() async throws -> Response {
        let rows = try await state.readers.run { store in try store.ledgers().map { ($0, try store.head($0).size) } }
        return json(.object(["ledgers": .array(rows.map { l, size in
            .object(["id": .int(l.id), "origin": .string(l.origin), "suite": .string(l.suite.rawValue), "size": .int(Int64(size))])
        })]))
    }

    func checkpoint(_ context: BasicRequestContext, size: UInt64?) async throws -> Response {
        let ledger = try await ledger(context)
        let note: String? = try await state.readers.run { store in
            if let size { return try store.checkpoint(ledger, size: size) }
            return try store.head(ledger).checkpoint
        }
        guard let note else { throw APIError.notFound("no checkpoint of size \(size ?? 0) (checkpoints exist at the sizes appends ended at)") }
        return text(note)
    }

    // MARK: authenticated reads

    func keys(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let ledger = try await ledger(context)
        let caller = try await state.caller(request, ledger: ledger)
        try state.require(caller, roles: [.admin, .officer, .inspector], to: "listing keys")
        let registry = try await state.keyState(ledger)
        return json(.object(["keys": .array(registry.order.compactMap { registry.records[$0] }.map { r in
            var o: JSONObject = ["name": .string(r.key.name), "vkey": .string(r.key.description), "role": .string(r.role.rawValue),
                                 "units": .array(r.units.map { .string($0) }), "enrolled_at": .int(Int64(r.enrolledAt))]
            if let revoked = r.revokedAt { o["revoked_at"] = .int(Int64(revoked)) }
            return .object(o)
        })]))
    }

    struct EntryFilter {
        var kind: String?, unit: String?, school: String?, program: String?, period: String?, batch: String?

        func matches(_ e: Entry) -> Bool {
            if let kind, e.kind.rawValue != kind { return false }
            func field(_ name: String, _ want: String?) -> Bool { want == nil || e.body[name]?.stringValue == want }
            return field("unit", unit) && field("school_code", school) && field("program", program) && field("period", period) && field("batch_id", batch)
        }
    }

    /// Entries in seq order after the cursor, filtered. Each call reads at most `scanLimit` entries, so a
    /// selective filter returns fewer than `limit` with a cursor to continue from.
    func listEntries(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let ledger = try await ledger(context)
        let caller = try await state.caller(request, ledger: ledger)
        try state.require(caller, roles: [.admin, .officer, .inspector], to: "listing entries")
        let q = request.uri.queryParameters
        let after = try q.get("after").map { s -> UInt64 in
            guard let n = UInt64(s) else { throw APIError.badRequest("bad-parameter", "after: must be a seq (the `next` of the previous page)") }
            return n
        } ?? 0
        let limit = try q.get("limit").map { s -> Int in
            guard let n = Int(s), n >= 1, n <= 1000 else { throw APIError.badRequest("bad-parameter", "limit: must be 1–1000") }
            return n
        } ?? 100
        let filter = EntryFilter(kind: q.get("kind"), unit: q.get("unit"), school: q.get("school"), program: q.get("program"),
                                 period: q.get("period"), batch: q.get("batch"))
        if let kind = filter.kind, EntryKind(rawValue: kind) == nil {
            throw APIError.badRequest("bad-parameter", "kind: must be one of \(EntryKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let scanLimit = 20_000
        let (found, next): ([(UInt64, [UInt8])], UInt64?) = try await state.readers.run { store in
            var found: [(UInt64, [UInt8])] = []
            var cursor = after
            var scanned = 0
            let size = try store.head(ledger).size
            while found.count < limit && scanned < scanLimit && cursor < size {
                let page = try store.entries(ledger, from: cursor + 1, limit: 500)
                if page.isEmpty { break }
                for (seq, bytes) in page {
                    cursor = seq
                    scanned += 1
                    if let e = try? Entry(decoding: bytes), filter.matches(e) {
                        found.append((seq, bytes))
                        if found.count == limit { break }
                    }
                }
            }
            return (found, cursor < size ? cursor : nil)
        }
        let hash = ledger.suite.makeHashFunction()
        var out: [UInt8] = Array(#"{"entries":["#.utf8)
        for (i, (seq, bytes)) in found.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += entryJSON(seq: seq, bytes: bytes, hash: hash, personal: nil)
        }
        out += Array(#"],"next":"#.utf8) + Array((next.map { "\"\($0)\"" } ?? "null").utf8) + Array("}\n".utf8)
        return json(bytes: out)
    }

    /// One entry; with `reveal=true` also the personal values, to a role allowed to see them (inspectors; officers
    /// for their own units), and each such read is recorded in the access log first.
    func entry(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let ledger = try await ledger(context)
        let seq = try Self.number(context, "seq")
        let caller = try await state.caller(request, ledger: ledger)
        try state.require(caller, roles: [.admin, .officer, .inspector], to: "reading entries")
        let reveal: Bool
        switch request.uri.queryParameters.get("reveal") {
        case nil, "false": reveal = false
        case "true": reveal = true
        default: throw APIError.badRequest("bad-parameter", "reveal: must be true or false")
        }
        let purpose = request.uri.queryParameters.get("purpose") ?? ""
        guard purpose.isEmpty || PersonalReads.isPurpose(purpose) else {
            throw APIError.badRequest("bad-parameter", "purpose: 1–200 characters without control characters, not only spaces, valid UTF-8")
        }
        if reveal {
            try state.require(caller, roles: [.officer, .inspector], to: "reading personal values")
            guard !purpose.isEmpty else { throw APIError.badRequest("purpose-required", "reveal=true needs purpose=…: why the personal values are read (recorded in the access log)") }
        }
        let result: (bytes: [UInt8], personal: [Opening]?)? = try await state.readers.run { store in
            guard reveal else { return try store.entry(ledger, seq: seq).map { ($0.bytes, nil) } }
            do {
                let revealed = try PersonalReads.reveal(store, ledger, seq: seq, principal: caller.keyName ?? "", purpose: purpose) { unit in
                    guard caller.role == .inspector || caller.covers(unit: unit) else {
                        throw APIError.forbidden("scope", "unit \(unit) is outside the units of \(caller.keyName ?? "")")
                    }
                }
                return revealed.map { ($0.entryBytes, $0.openings) }
            } catch let e as ServiceError {
                switch e.code {
                case "opening-mismatch": throw APIError(status: .internalServerError, code: e.code, message: e.message)
                default: throw APIError.badRequest(e.code, e.message)
                }
            }
        }
        guard let result else { throw APIError.notFound("no entry \(seq) in \(ledger.origin)") }
        if result.personal != nil { state.metrics.personalRead() }
        return json(bytes: entryJSON(seq: seq, bytes: result.bytes, hash: ledger.suite.makeHashFunction(), personal: result.personal) + [0x0a])
    }

    func accessLog(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let ledger = try await ledger(context)
        let caller = try await state.caller(request, ledger: ledger)
        try state.require(caller, roles: [.inspector, .admin], to: "reading the access log")
        var before: Int64? = nil
        if let text = request.uri.queryParameters.get("before") {
            guard let n = Int64(text), n >= 1 else { throw APIError.badRequest("bad-parameter", "before: must be an access-log id from 1 to 9223372036854775807 (the `next` of a page)") }
            before = n
        }
        let cursor = before
        let reads = try await state.readers.run { try $0.accessLog(ledger, before: cursor, limit: 200) }
        return json(.object(["reads": .array(reads.map { r in
            .object(["id": .int(r.id), "n": r.n.map { .int(Int64(min($0, UInt64(JSONValue.maxSafeInteger)))) } ?? .null, "principal": .string(r.principal), "seq": .int(Int64(r.seq)), "fields": .array(r.fields.map { .string($0) }),
                     "purpose": .string(r.purpose), "at": .string(r.at)])
        }), "next": reads.count == 200 ? reads.last.map { .string(String($0.id)) } ?? .null : .null]))
    }

    /// The ledger as a bundle (FORMAT.md §12: entries and checkpoints, no personal data) up to the head at the
    /// start of the request, streamed page by page, for `aidledger verify --server`.
    func bundle(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let ledger = try await ledger(context)
        let caller = try await state.caller(request, ledger: ledger)
        try state.require(caller, roles: [.admin, .officer, .inspector], to: "exporting the ledger")
        let export = try await state.readers.run { store in try BundleExport.begin(store, ledger) }
        let longJobs = state.longJobs
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(bytes: export.head))
            var next: UInt64? = export.size > 0 ? 1 : nil
            while let from = next {
                let page = try await longJobs.run { store in try export.entryLines(store, from: from, limit: 5_000) }
                try await writer.write(ByteBuffer(bytes: page.lines))
                next = page.next
            }
            try await writer.write(ByteBuffer(bytes: export.tail))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/vnd.aidledger.bundle"], body: body)
    }

    /// Runs the full verifier over the ledger in the database, openings included (none are returned), and
    /// answers the report; the result is counted in /metrics.
    func verification(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let ledger = try await ledger(context)
        let caller = try await state.caller(request, ledger: ledger)
        try state.require(caller, roles: [.admin, .inspector], to: "running a verification")
        let size = try await state.readers.run { store in try store.head(ledger).size }
        let longJobs = state.longJobs
        let report = try await state.verifications.report(ledger: ledger.id, size: size) {
            try await longJobs.run { store in
                let report = try StoreVerification.verify(store, ledger)
                return VerificationReports.Report(size: size, json: Array(report.json(source: ledger.origin, pinned: false).utf8) + [0x0a], intact: report.intact)
            }
        }
        state.metrics.verification(report.intact ? "intact" : "findings")
        return json(bytes: report.json)
    }

    /// Every opening of the ledger up to its head at the start of the request, as an openings file (FORMAT.md §13),
    /// streamed page by page: the bulk read of a cross-check run over several daemons. Inspectors for every unit
    /// only, with a purpose; the read is recorded in the access log (one record: seq = the size, every field) before
    /// the first opening is read. `X-Aidledger-Size` is that size.
    func openings(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let ledger = try await ledger(context)
        let caller = try await state.caller(request, ledger: ledger)
        try state.require(caller, roles: [.inspector], to: "reading every opening")
        guard caller.units == [allUnitsScope] else {
            throw APIError.forbidden("scope", "reading every opening needs an inspector for every unit (*); this token's key has units \(caller.units.joined(separator: ","))")
        }
        let purpose = request.uri.queryParameters.get("purpose") ?? ""
        guard !purpose.isEmpty else {
            throw APIError.badRequest("purpose-required", "purpose=… is required: why every personal value of the ledger is read (recorded in the access log)")
        }
        guard PersonalReads.isPurpose(purpose) else {
            throw APIError.badRequest("bad-parameter", "purpose: 1–200 characters without control characters, not only spaces, valid UTF-8")
        }
        let principal = caller.keyName ?? ""
        let export: OpeningsExport
        do { export = try await state.readers.run { store in try OpeningsExport.begin(store, ledger, principal: principal, purpose: purpose) } } catch let e as StoreError
            where e.code == .inconsistent {
            // The read cannot be recorded (the access log does not hold together): nothing is served.
            throw APIError(status: .serviceUnavailable, code: e.code.rawValue, message: e.message, retryAfter: 60)
        }
        state.metrics.personalRead()
        let longJobs = state.longJobs
        let body = ResponseBody { writer in
            var next: UInt64? = export.size > 0 ? 1 : nil
            while let from = next {
                let page = try await longJobs.run { store in try export.lines(store, from: from, maxRows: 64) }
                if !page.lines.isEmpty { try await writer.write(ByteBuffer(bytes: page.lines)) }
                next = page.next
            }
            try await writer.finish(nil)
        }
        var headers: HTTPFields = [.contentType: "application/x-ndjson"]
        headers[Self.sizeHeader] = String(export.size)
        return Response(status: .ok, headers: headers, body: body)
    }

    static let sizeHeader = HTTPField.Name("X-Aidledger-Size")!

    // MARK: writes

    func submitBatch(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let ledger = try await ledger(context)
        let caller = try await state.caller(request, ledger: ledger)
        try state.require(caller, roles: [.officer], to: "submitting a batch")
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        let (batch, claims) = try await withBody(request) { body -> (PreparedBatch, PaymentClaims) in
            do {
                let suite = ledger.suite
                let limits = state.configuration.plausibility.dateLimits(now: nowTimestamp())
                let decode: @Sendable () throws -> (PreparedBatch, PaymentClaims)
                if contentType.hasPrefix("text/csv") {
                    let header = request.headers.first(where: { $0.name.canonicalName == "aidledger-batch" })?.value
                    decode = { [state] in
                        let b = try SubmissionDecoder.csvBatch(body, headerField: header, suite: suite, dateLimits: limits)
                        return (b, try state.claims(for: b))
                    }
                } else if contentType.hasPrefix("application/json") {
                    decode = { [state] in
                        let b = try SubmissionDecoder.jsonBatch(body, suite: suite, dateLimits: limits)
                        return (b, try state.claims(for: b))
                    }
                } else {
                    throw APIError(status: .unsupportedMediaType, code: "media-type", message: "send application/json or text/csv (with the Aidledger-Batch header)")
                }
                // Small batches are decoded here; large ones on the parser threads, below the writers' priority.
                // The claims (keyed person keys) in the same job: one trip through the parser threads.
                return body.count < Self.inlineDecodeLimit ? try decode() : try await state.parsers.run(decode)
            } catch let e as APIError {
                state.metrics.submission("invalid")
                throw e
            }
        }
        let header = batch.body
        guard header.signed.signer == caller.keyName else {
            state.metrics.submission("refused")
            throw APIError.forbidden("signer", "the batch is signed by \(header.signed.signer), not by this token's key \(caller.keyName ?? "")")
        }
        // Role, scope and validity of the signer (who is this token's key) are the admission decision's, on the
        // locked head: one place, one key state.
        return try await submit(.batch(batch, claims: claims), to: ledger)
    }

    func submitReversal(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let ledger = try await ledger(context)
        let caller = try await state.caller(request, ledger: ledger)
        try state.require(caller, roles: [.officer], to: "submitting a reversal")
        let reversal = try await withBody(request) { try SubmissionDecoder.reversal($0) }
        let signer = reversal.fields.signed.signer
        guard signer == caller.keyName else {
            throw APIError.forbidden("signer", "the reversal is signed by \(signer), not by this token's key \(caller.keyName ?? "")")
        }
        return try await submit(.reversal(reversal), to: ledger)
    }

    /// An inspector-signed `crosscheck` entry (the anchor of a run's report), appended through the ledger's writer.
    func submitCrossCheck(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let ledger = try await ledger(context)
        let caller = try await state.caller(request, ledger: ledger)
        try state.require(caller, roles: [.inspector], to: "anchoring a cross-check report")
        let anchor = try await withBody(request) { try SubmissionDecoder.crosscheck($0) }
        try Self.requireSigner(anchor.fields.signed.signer, caller, what: "crosscheck entry")
        return try await submit(.crosscheck(anchor), to: ledger)
    }

    /// An inspector-signed `disposition` of one finding, appended through the ledger's writer.
    func submitDisposition(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let ledger = try await ledger(context)
        let caller = try await state.caller(request, ledger: ledger)
        try state.require(caller, roles: [.inspector], to: "recording a disposition")
        let disposition = try await withBody(request) { try SubmissionDecoder.disposition($0) }
        try Self.requireSigner(disposition.fields.signed.signer, caller, what: "disposition")
        return try await submit(.disposition(disposition), to: ledger)
    }

    static func requireSigner(_ signer: String, _ caller: Caller, what: String) throws {
        guard signer == caller.keyName else {
            throw APIError.forbidden("signer", "the \(what) is signed by \(signer), not by this token's key \(caller.keyName ?? "")")
        }
    }

    // MARK: cross-check runs

    /// Starts a run over this daemon's ledgers (202 with its id); 409 while another one runs.
    func startCrossCheckRun(_ request: Request) async throws -> Response {
        let caller = try await state.inspectorForEveryUnit(request, to: "starting a cross-check run")
        let parameters = try await withBody(request) { try CrossCheckJobRequest(json: $0) }
        let id = try state.crossChecks.start(parameters, inspector: caller.keyName ?? "")
        var response = json(.object(["id": .string(id), "status": .string("running")]), status: .accepted)
        response.headers[.location] = "/v1/crosscheck/runs/" + id
        return response
    }

    func crossCheckRun(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        _ = try await state.inspectorForEveryUnit(request, to: "reading a cross-check run")
        let id = context.parameters.get("id") ?? ""
        guard let status = state.crossChecks.status(id) else { throw APIError.notFound("no cross-check run \(CrossCheckJobs.isRunID(id) ? id : "with that id")") }
        return json(.object(status))
    }

    func crossCheckRunFile(_ request: Request, _ context: BasicRequestContext, name: String) async throws -> Response {
        _ = try await state.inspectorForEveryUnit(request, to: "reading a cross-check report")
        let id = context.parameters.get("id") ?? ""
        guard let bytes = state.crossChecks.file(id, name: name), let type = CrossCheckJobs.files[name] else {
            throw APIError.notFound("no \(name) of a finished cross-check run \(CrossCheckJobs.isRunID(id) ? id : "with that id")")
        }
        var headers = HTTPFields()
        headers[.contentType] = type
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: 公示 disclosures (anonymous)

    func listDisclosures() async throws -> Response {
        let directory = state.configuration.disclosuresDirectory
        let today = Self.today()
        let found = try await state.readers.run { store in try PublishedDisclosures.list(store, directory: directory) }
        return json(PublishedDisclosures.listing(found, today: today))
    }

    func disclosureFile(_ context: BasicRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? "", name = context.parameters.get("file") ?? ""
        guard PublishedDisclosures.isID(id) else { throw APIError.notFound("公示 ids are 16 lowercase hex digits (GET /v1/disclosures)") }
        let directory = state.configuration.disclosuresDirectory
        let today = Self.today()
        let answer = try await state.readers.run { store -> PublishedDisclosures.FileAnswer in
            guard let d = try PublishedDisclosures.load(store, directory: directory, id: id) else { return .notFound("no published 公示 \(id)") }
            return PublishedDisclosures.file(d, name: name, today: today)
        }
        switch answer {
        case .file(let bytes, let type):
            var headers = HTTPFields()
            headers[.contentType] = type
            // The list is withdrawn at the end of its period: no cache may keep it longer than a day.
            headers[.cacheControl] = PublishedDisclosures.listFiles.contains(name) ? "public, max-age=3600" : "public, max-age=86400"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        case .notFound(let why): throw APIError.notFound(why)
        case .gone(let why): throw APIError(status: .gone, code: "gone", message: why)
        }
    }

    /// Today's date in China (UTC+8), where the 公示 periods are: a list is served through the whole of its last day there.
    static func today() -> String {
        var calendar = Calendar(identifier: .gregorian)
        if let china = TimeZone(secondsFromGMT: 8 * 3600) { calendar.timeZone = china }
        let c = calendar.dateComponents([.year, .month, .day], from: Date())
        return String(format: "%04d-%02d-%02d", c.year ?? 1970, c.month ?? 1, c.day ?? 1)
    }

    func submit(_ submission: Submission, to ledger: LedgerRecord) async throws -> Response {
        let result: SubmissionResult
        do { result = try await state.writer(for: ledger).submit(submission) } catch let e as Unavailable {
            state.metrics.submission("unavailable")
            throw APIError.unavailable(e.description)
        } catch let e as StoreError where e.code == .inconsistent || e.code == .wrongLedgerKey {
            state.metrics.submission("unavailable")
            throw APIError(status: .serviceUnavailable, code: e.code.rawValue, message: e.message, retryAfter: 60)
        }
        switch result {
        case .appended(let r):
            state.metrics.submission("appended")
            return json(receiptJSON(r, duplicate: false), status: .created)
        case .duplicate(let r):
            state.metrics.submission("duplicate")
            return json(receiptJSON(r, duplicate: true), status: .ok)
        case .refused(let refusal):
            let error = APIError.refusal(refusal)
            state.metrics.submission(error.status == .conflict ? "conflict" : "refused")
            throw error
        }
    }

    // MARK: helpers

    /// A path parameter that is a seq or a size: a whole number from 0 to 2^64 − 1, else 400 with the error body
    /// every other answer has (the framework's own 400 has no `code`).
    static func number(_ context: BasicRequestContext, _ name: String) throws -> UInt64 {
        guard let text = context.parameters.get(name), let n = UInt64(text) else {
            throw APIError.badRequest("bad-parameter", "\(name): must be a whole number from 0 to 18446744073709551615")
        }
        return n
    }

    func ledger(_ context: BasicRequestContext) async throws -> LedgerRecord {
        guard let id = context.parameters.get("ledger").flatMap({ Int64($0) }) else { throw APIError.notFound("ledger ids are numbers (GET /v1/ledgers)") }
        return try await state.ledger(id)
    }

    /// Reads the request body and runs `body` with it. The body counts against the daemon's budget of bodies in
    /// memory (max_concurrent_body_bytes: 503 with Retry-After when it is spent) until `body` returns, and must
    /// arrive within body_timeout_seconds (408 otherwise).
    func withBody<T: Sendable>(_ request: Request, _ body: ([UInt8]) async throws -> T) async throws -> T {
        let limit = state.configuration.maxBodyBytes
        let declared = request.headers[.contentLength].flatMap({ Int($0) })
        if let length = declared, length > limit {
            throw APIError(status: .contentTooLarge, code: "too-large", message: "the request body is \(length) bytes; the limit is \(limit) bytes (max_body_bytes)")
        }
        let reserved = declared ?? limit
        guard state.bodies.reserve(reserved) else {
            throw APIError(status: .serviceUnavailable, code: "busy", message: "the daemon is holding as many request bodies as it may (max_concurrent_body_bytes); retry", retryAfter: 2)
        }
        defer { state.bodies.release(reserved) }
        let timeout = state.configuration.bodyTimeoutSeconds
        let bytes: [UInt8]
        do {
            bytes = try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
                group.addTask {
                    var request = request
                    return Array(try await request.collectBody(upTo: limit).readableBytesView)
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(timeout))
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let bytes = first else {
                    throw APIError(status: .requestTimeout, code: "timeout", message: "the request body did not arrive within \(timeout) seconds (body_timeout_seconds)")
                }
                return bytes
            }
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError(status: .contentTooLarge, code: "too-large", message: "the request body is over the limit of \(limit) bytes (max_body_bytes)")
        }
        return try await body(bytes)
    }

    func entryJSON(seq: UInt64, bytes: [UInt8], hash: HashFunction, personal: [Opening]?) -> [UInt8] {
        var out = Array(#"{"seq":\#(seq),"hash":"\#(EntryHash.compute(bytes, hash: hash).hex)","entry":"#.utf8)
        out += bytes
        if let personal {
            let values = JSONObject(personal.sorted { $0.field < $1.field }.map { (key: $0.field, value: JSONValue.string($0.value)) })
            out += Array(#","personal":"#.utf8) + CanonicalJSON.encode(.object(values))
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    func receiptJSON(_ r: Receipt, duplicate: Bool) -> JSONValue {
        .object(["origin": .string(r.origin), "first_seq": .int(Int64(r.firstSeq)), "last_seq": .int(Int64(r.lastSeq)),
                 "entry_hashes": .array(r.hashes.map { .string($0.hex) }), "checkpoint": .string(r.checkpoint), "duplicate": .bool(duplicate)])
    }
}

func text(_ s: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: s)))
}

func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
    json(bytes: CanonicalJSON.encode(value) + [0x0a], status: status)
}

func json(bytes: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
}

/// Counts requests and their latency by route pattern (never the raw path, which may hold a seq).
struct RequestMetrics<Context: RequestContext>: RouterMiddleware {
    let metrics: Metrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let route = context.endpointPath ?? "unmatched"
        do {
            let response = try await next(request, context)
            metrics.request(route: route, method: request.method.rawValue, status: Int(response.status.code), seconds: (ContinuousClock.now - start).seconds)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.request(route: route, method: request.method.rawValue, status: Int(status), seconds: (ContinuousClock.now - start).seconds)
            throw error
        }
    }
}
