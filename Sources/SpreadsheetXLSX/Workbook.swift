/// A workbook to write as Office Open XML (XLSX): sheets of rows of cells. Filled in by issue 11's exporter.
public struct Workbook: Sendable, Equatable {
    public init() {}
}
