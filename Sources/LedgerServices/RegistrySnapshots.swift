import Foundation
import LedgerCore
import LedgerCrypto
import LedgerImport
import LedgerStore

/// Registry snapshots (issue 10, item 1): a registry file of DESIGN §4 — enrollment (学籍), certificates (证) or
/// identity (身份) — imported as a snapshot as of a date and kept unchanged, so that any past cross-check run can be
/// reproduced; and a snapshot read back into the rows the cross-check joins. Rows are stored with the keyed person
/// key of their ID number (`PersonKeys`, under the deployment's person-key secret), never a plain hash, and their
/// values never reach a message or a log.
public enum RegistryImport {
    /// What an import did.
    public struct Imported: Sendable, Equatable {
        public let snapshot: RegistrySnapshotInfo
        /// The same file (kind, as-of date and SHA-256 of its bytes) had been imported before: that snapshot is
        /// returned and nothing new is stored.
        public let alreadyImported: Bool
    }

    /// Reads `path`, validates it as a `kind` registry (`RegistryCSV`: a file with any bad row is rejected whole, every
    /// problem listed as `file:line:column: field: why`, and nothing is stored), computes each row's person key and
    /// stores the rows as one snapshot as of `asOf` (`YYYY-MM-DD`). ID numbers may not encode a birth date after
    /// today, nor status or death dates lie after today (`plausibility` at the current time).
    public static func run(store: LedgerStore, kind: RegistryKind, path: String, asOf: String, personKeys: PersonKeys,
                           plausibility: PlausibilityPolicy = PlausibilityPolicy()) throws -> Imported {
        guard FieldSyntax.isDate(asOf) else { throw ServiceError("the as-of date must be a real date YYYY-MM-DD", code: "bad-date") }
        let file = try Files.read(path)
        let sha256 = try file.withUnsafeBytes { try HashFunction(.sha256).hash($0) }
        if let earlier = try store.registrySnapshots(kind: kind).first(where: { $0.sha256 == sha256.hex && $0.asOf == asOf }) {
            return Imported(snapshot: earlier, alreadyImported: true)
        }
        let limits = plausibility.dateLimits(now: nowTimestamp())
        let data: RegistryData
        do { data = try file.withUnsafeBytes { raw in try RegistryCSV.read(raw, kind: kind, file: path, dateLimits: limits) } } catch let rejection as RegistryCSV.Rejection {
            let n = rejection.errors.count
            throw ServiceError("\(path) rejected, nothing stored (\(n)\(rejection.truncated ? "+" : "") problem\(n == 1 ? "" : "s")):\n" + rejection.description,
                               code: "invalid-rows")
        }
        let rows: [(personKey: [UInt8], data: [UInt8])]
        switch kind {
        case .enrollment: rows = data.enrollment.map { (personKeys.personKey(idNumber: $0.idNumber), RegistryRowCoding.encode($0)) }
        case .certificates: rows = data.certificates.map { (personKeys.personKey(idNumber: $0.idNumber), RegistryRowCoding.encode($0)) }
        case .identity: rows = data.identity.map { (personKeys.personKey(idNumber: $0.idNumber), RegistryRowCoding.encode($0)) }
        }
        let name = URL(fileURLWithPath: path).lastPathComponent
        let snapshot = try store.importRegistrySnapshot(kind: kind, asOf: asOf, fileName: name.isEmpty ? path : name, sha256: sha256, rows: rows)
        return Imported(snapshot: snapshot, alreadyImported: false)
    }

    /// The rows of snapshot `snapshotID`, decoded, in file order, in the part of `RegistryData` of the snapshot's
    /// kind (the other parts empty). A row that does not decode (altered in the store) fails the whole read with
    /// its row number, never its value.
    public static func rows(store: LedgerStore, snapshotID: Int64) throws -> RegistryData {
        guard let info = try store.registrySnapshot(id: snapshotID) else {
            throw ServiceError("no registry snapshot \(snapshotID) in this database (see `aidledger registry list`)", code: "unknown-snapshot")
        }
        var data = RegistryData()
        // Reserved up to a bound: the recorded count is checked while streaming, not trusted for an allocation.
        let capacity = min(Int(clamping: info.rowCount), 1 << 22)
        switch info.kind {
        case .enrollment: data.enrollment.reserveCapacity(capacity)
        case .certificates: data.certificates.reserveCapacity(capacity)
        case .identity: data.identity.reserveCapacity(capacity)
        }
        var row = 0
        var decoder = RegistryRowDecoder()
        try store.streamRegistryRows(snapshotID: info.id) { _, bytes in
            row += 1
            do throws(FormatError) { try decoder.decode(bytes, kind: info.kind, into: &data) } catch {
                throw ServiceError("registry snapshot \(info.id), row \(row): \(error.message)", code: "registry-corrupt")
            }
        }
        return data
    }

    /// Today's date in UTC, `YYYY-MM-DD`: the as-of date of an import that names none.
    public static func today() -> String { String(nowTimestamp().prefix(10)) }
}
