import ArgumentParser
import Foundation
import LedgerClient
import LedgerCore
import LedgerCrypto
import LedgerImport
import LedgerServices
import LedgerStore
import LedgerVerify

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Prepare and sign a payment-batch CSV on this machine and submit it to aidledgerd.",
        discussion: """
            The file is validated exactly as `import` validates it; the batch is signed here with the officer's key \
            (the key never leaves this machine) and sent as a prepared CSV (the rows plus their commitment salts) \
            with the signed header. A lost answer is retried with the same request, which returns the original \
            receipt. The batch id defaults to one derived from the file, so preparing and submitting the same file \
            again is refused (409: the id is taken) instead of paying twice.
            """
    )

    @OptionGroup var batchFile: BatchFileOptions

    @Flag(name: .long, help: "Send JSON instead of the prepared CSV.")
    var json = false

    @OptionGroup var remote: ServerOptions

    func run() throws {
        let file = try batchFile.read(whatHappens: "nothing sent")
        let (parsed, id) = (file.parsed, file.batchID)
        let officer = try KeyFile.read(batchFile.officerKey)
        let session = try ServerSession(remote)
        guard officer.suite == session.suite else { throw CLIError("the officer key is \(officer.suite.rawValue), the ledger is \(session.suite.rawValue)") }
        let prepared = try BatchBuilder.prepare(batchID: id, program: parsed.program, period: parsed.period, unit: parsed.unit, items: parsed.items,
                                                origin: session.origin, signedAt: nowTimestamp(), officer: officer)
        let csv = BatchRequest.csv(prepared)
        let (contentType, body, headers) = json ? ("application/json", BatchRequest.json(prepared), [])
                                                : ("text/csv; charset=utf-8", csv.body, [("Aidledger-Batch", csv.header)])
        // The same bytes on every attempt: a batch that did commit answers with its original receipt.
        var attempt = 0
        let response: HTTPClientResponse
        while true {
            attempt += 1
            do {
                response = try session.post("/batches", contentType: contentType, body: body, headers: headers)
                break
            } catch let e as CLIError where attempt < 5 && (e.description.contains("HTTP 503") || e.description.contains("the server: ")) {
                FileHandle.standardError.write(Data("aidledger: \(e.description); retrying (\(attempt)/5)\n".utf8))
                Thread.sleep(forTimeInterval: Double(attempt))
            }
        }
        print("batch \(id): \(parsed.items.count) payments, \(TextFormat.yuan(parsed.totalFen)) yuan, unit \(parsed.unit), \(parsed.program), \(parsed.period)")
        try session.printReceipt(response, what: "submitted")
    }
}

