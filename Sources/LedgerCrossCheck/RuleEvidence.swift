import LedgerCore

/// How the rules cite what they saw: a payment by its entry (`origin#seq`), a registry row by its line, a
/// standard by its source. Personal values (ID number, name, category, certificate, account) are marked.
extension Evidence {
    static func payment(_ item: PaidItem, _ field: String, _ value: String, personal: Bool = false) -> Evidence {
        Evidence(source: "payment", locator: "\(item.entry.origin)#\(item.entry.seq)", field: field, value: value, personal: personal)
    }

    static func enrollment(_ row: EnrollmentRecord, _ field: String, _ value: String, personal: Bool = false) -> Evidence {
        Evidence(source: "enrollment", locator: "line \(row.line)", field: field, value: value, personal: personal)
    }

    static func certificate(_ row: CertificateRecord, _ field: String, _ value: String, personal: Bool = false) -> Evidence {
        Evidence(source: "certificates", locator: "line \(row.line)", field: field, value: value, personal: personal)
    }

    static func identity(_ row: IdentityRecord, _ field: String, _ value: String, personal: Bool = false) -> Evidence {
        Evidence(source: "identity", locator: "line \(row.line)", field: field, value: value, personal: personal)
    }

    /// A registry that has no row for the person.
    static func missing(_ registry: RegistryKind) -> Evidence {
        Evidence(source: registry.rawValue, locator: "snapshot", field: "id_number", value: "无记录", personal: false)
    }

    static func standard(_ row: StandardRow, _ field: String, _ value: String) -> Evidence {
        Evidence(source: "standards", locator: row.source, field: field, value: value, personal: false)
    }

    static func config(_ key: String, _ field: String, _ value: String) -> Evidence {
        Evidence(source: "config", locator: key, field: field, value: value, personal: false)
    }
}
