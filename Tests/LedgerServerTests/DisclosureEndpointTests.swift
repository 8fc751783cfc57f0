import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerClient
import LedgerCore
import LedgerCrypto
import LedgerDisclosure
@testable import LedgerServer
import LedgerServices
import LedgerStore
import Testing
import TestSupport

/// The public 公示 endpoints: what `aidledger disclose` published under `<data_dir>/disclosures` is listed and served
/// without a token; the per-person list only during its 公示 period (404 before, 410 Gone after), everything else
/// always; an export whose manifest is not signed by a ledger of this daemon, or a file that no longer matches its
/// manifest, is not served.
@Suite struct DisclosureEndpointTests {
    static func day(_ offset: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        if let china = TimeZone(secondsFromGMT: 8 * 3600) { calendar.timeZone = china }
        let date = calendar.date(byAdding: .day, value: offset, to: Date()) ?? Date()
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 1970, c.month ?? 1, c.day ?? 1)
    }

    @Test func filesAreServedWithoutATokenAndTheListOnlyDuringItsPeriod() async throws {
        let s = try LedgerSetup()
        let batch = try s.batch("d-1", count: 4)
        let directory = s.dir.path + "/disclosures"
        // A calendar of the years the test's dates fall in (only New Year's Day a holiday), so that the test does not
        // depend on which years the built-in calendar covers.
        let calendar = s.dir.path + "/calendar.csv"
        let years = Set([Self.day(-3), Self.day(44), "2025-01-01"].compactMap { Int($0.prefix(4)) }).sorted()
        try Files.write(calendar, Array(("date,kind\n" + years.map { "\($0)-01-01,holiday\n" }.joined()).utf8))
        @Sendable func publish(_ from: String, _ to: String, title: String, dryRun: Bool = false) throws -> DisclosureExportOutcome {
            let store = try LedgerStore.connect(s.conninfo)
            let request = DisclosureRequest(title: title, publicityStart: from, publicityEnd: to, contact: "县学生资助管理中心 0730-1234567")
            return try DisclosureExports.publish(store, s.ledger, DisclosureExportRequest(request: request, minimumWorkingDays: 1, calendarFile: calendar, dryRun: dryRun),
                                                 ledgerKey: s.ledgerKey, principal: "local:test", directory: directory)
        }
        try await CrossCheckEndpointTests().withApplication(conninfo: s.conninfo, dataDir: s.dir.path) { client in
            let posted = try await client.execute(uri: "/v1/ledgers/\(s.ledger.id)/batches", method: .post,
                                                  headers: CrossCheckEndpointTests.headers(s.tokenA, json: true), body: ByteBuffer(bytes: BatchRequest.json(batch)))
            #expect(posted.status == .created)
            let current = try publish(Self.day(-3), Self.day(14), title: "当前公示")
            let ended = try publish("2025-10-09", "2025-10-17", title: "已结束的公示")
            let future = try publish(Self.day(30), Self.day(44), title: "尚未开始的公示")
            // Each publication is a disclosure entry of the ledger; a preview is not, and is not served even when it is
            // put where the published ones are.
            #expect(current.receipt != nil && ended.receipt != nil && future.receipt != nil)
            let preview = try publish(Self.day(-3), Self.day(14), title: "预览", dryRun: true)
            #expect(preview.receipt == nil && FileManager.default.fileExists(atPath: preview.directory + "/manifest.note"))
            #expect(current.manifest.summary.paid == 4)
            let listing = try await client.execute(uri: "/v1/disclosures", method: .get)
            #expect(listing.status == .ok)
            let all = CrossCheckEndpointTests.json(listing)["disclosures"]?.arrayValue ?? []
            #expect(Set(all.compactMap { $0.objectValue?["id"]?.stringValue }) == Set([current.id, ended.id, future.id]), "not the preview")
            func get(_ id: String, _ file: String) async throws -> TestResponse {
                try await client.execute(uri: "/v1/disclosures/\(id)/\(file)", method: .get)
            }
            let list = try await get(current.id, "list.csv")
            #expect(list.status == .ok && list.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(Array(list.body.readableBytesView) == Array(try Files.read(current.directory + "/list.csv")))
            for name in ["list.xlsx", "list.html", "totals.csv", "categories.html", "manifest.note", "ledger.bundle"] {
                #expect(try await get(current.id, name).status == .ok, "\(name)")
            }
            let gone = try await get(ended.id, "list.csv")
            #expect(gone.status == .gone && CrossCheckEndpointTests.code(gone) == "gone", "\(String(buffer: gone.body))")
            #expect(try await get(ended.id, "list.html").status == .gone)
            #expect(try await get(ended.id, "totals.csv").status == .ok)
            #expect(try await get(ended.id, "manifest.note").status == .ok)
            #expect(try await get(future.id, "list.csv").status == .notFound)
            #expect(try await get(future.id, "totals.xlsx").status == .ok)
            #expect(try await get(preview.id, "list.csv").status == .notFound)
            #expect(try await get(preview.id, "totals.csv").status == .notFound)
            // An export whose entry file points at another entry is not served either.
            try Files.write(ended.directory + "/disclosure-entry.txt", Array("\(s.origin) \(current.receipt?.firstSeq ?? 0)\n".utf8))
            #expect(try await get(ended.id, "totals.csv").status == .notFound)
            for (id, file) in [("0000000000000000", "list.csv"), (current.id, "other.csv"), ("not-an-id", "list.csv"), (current.id, "..%2Fmanifest.note")] {
                #expect(try await get(id, file).status == .notFound, "\(id)/\(file)")
            }
            // A file changed after publication is not served; a manifest not signed by this daemon's ledger hides the export.
            try Files.write(current.directory + "/totals.csv", Array("tampered".utf8))
            #expect(try await get(current.id, "totals.csv").status == .notFound)
            let other = try NamedSigningKey(name: s.origin, key: SigningKey.generate(.ed25519), suite: .ed25519SHA256)
            let forged = try current.manifest.signed(by: other)
            try Files.write(current.directory + "/manifest.note", Array(forged.serialized.utf8))
            #expect(try await get(current.id, "list.csv").status == .notFound)
            let after = CrossCheckEndpointTests.json(try await client.execute(uri: "/v1/disclosures", method: .get))["disclosures"]?.arrayValue ?? []
            #expect(after.count == 1, "the forged and the repointed exports are gone from the listing, the preview never was in it")
        }
    }
}
