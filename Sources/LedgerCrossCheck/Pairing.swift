import LedgerCore
import LedgerCrypto
import LedgerImport

/// Which unit inspects which (Yueyang's practice: the 6 districts and 6 counties check each other in pairs). The
/// inspecting unit signs for the findings of the unit it inspects; the report names it next to each finding.
public struct Pairing: Sendable, Equatable {
    /// Inspected unit → inspecting unit.
    public let inspectingUnit: [String: String]
    /// The file it was read from and its SHA-256, when it was read from one.
    public let file: ConfigurationFile?

    public init(inspectingUnit: [String: String], file: ConfigurationFile? = nil) {
        self.inspectingUnit = inspectingUnit
        self.file = file
    }

    /// The unit that inspects `unit`, or nil when the pairing does not say.
    public func inspector(of unit: String) -> String? { inspectingUnit[unit] }

    /// The pairs sorted by inspected unit.
    public var pairs: [(inspected: String, inspecting: String)] {
        inspectingUnit.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { (inspected: $0.key, inspecting: $0.value) }
    }

    enum Column: String, ConfigurationColumn {
        case inspected, inspecting
        var field: String { rawValue }
        var headers: [String] {
            switch self {
            case .inspected: ["被检查单位", "inspected"]
            case .inspecting: ["检查单位", "inspecting"]
            }
        }
        var isRequired: Bool { true }
    }

    /// Reads a pairing file (`被检查单位,检查单位` or `inspected,inspecting`, `#` comment lines, an optional 备注
    /// column): every unit must be one of `units`, no unit inspects itself, and a unit is inspected by one unit only.
    /// All problems are reported at once as `file:line:column: field: why`.
    public static func load(name: String, bytes: [UInt8], units: [UnitDefinition]) throws(ConfigurationRejection) -> Pairing {
        let problems = ConfigurationProblems()
        guard bytes.count <= CrossCheckConfiguration.maxFileBytes else {
            throw ConfigurationRejection(errors: [InputError(file: name, line: 0, column: 0, field: "", reason: "larger than \(CrossCheckConfiguration.maxFileBytes) bytes (is this a pairing file?)")], truncated: false)
        }
        guard let table = ConfigurationTable<Column>.read(bytes, file: name, problems: problems) else { throw problems.rejection }
        let known = Set(units.map(\.code))
        var inspecting: [String: String] = [:]
        var lines: [String: Int] = [:]
        for row in table.rows {
            func unit(_ c: Column) -> String? {
                let v = row.value(c) ?? ""
                guard !v.isEmpty else { problems.add(name, row.line, row.column(c), c.field, "empty"); return nil }
                guard known.contains(v) else { problems.add(name, row.line, row.column(c), c.field, "not a unit in units.csv"); return nil }
                return v
            }
            let inspected = unit(.inspected), inspector = unit(.inspecting)
            guard let inspected, let inspector else { continue }
            if inspected == inspector {
                problems.add(name, row.line, row.column(.inspecting), "inspecting", "a unit cannot inspect itself")
            } else if let first = lines[inspected] {
                problems.add(name, row.line, row.column(.inspected), "inspected", "already paired on line \(first)")
            } else {
                inspecting[inspected] = inspector
                lines[inspected] = row.line
            }
        }
        guard problems.isEmpty else { throw problems.rejection }
        let digest: String
        do {
            let h = try HashFunction(.sha256)
            h.begin()
            h.update(bytes)
            digest = h.finalize().hex
        } catch {
            throw ConfigurationRejection(errors: [InputError(file: name, line: 0, column: 0, field: "", reason: "SHA-256 is not available: \(error)")], truncated: false)
        }
        return Pairing(inspectingUnit: inspecting, file: ConfigurationFile(name: name, sha256: digest))
    }
}
