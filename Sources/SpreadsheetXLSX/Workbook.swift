/// A workbook to write as Office Open XML (XLSX): named sheets of rows of cells, held in memory and written by
/// `XLSXWriter` to the bytes of an `.xlsx` file. The same workbook always gives the same bytes.
public struct Workbook: Sendable, Equatable {
    public var sheets: [Worksheet]

    public init(sheets: [Worksheet] = []) {
        self.sheets = sheets
    }

    /// The `.xlsx` file's bytes (`XLSXWriter.write`).
    public func xlsxBytes(compression: XLSXWriter.Compression = .deflate) throws(XLSXError) -> [UInt8] {
        try XLSXWriter.write(self, compression: compression)
    }
}

/// One sheet: a name (1–31 characters, none of `: \ / ? * [ ]`, not starting or ending with `'`, unique in its
/// workbook ignoring ASCII case) and its rows from the first; a row may be shorter than others.
public struct Worksheet: Sendable, Equatable {
    public var name: String
    public var rows: [[Cell]]
    /// The first row is a header: written bold and frozen (it stays in view when scrolling).
    public var hasHeaderRow: Bool
    /// Column widths in characters, from column A; a column without one keeps the application's default.
    public var columnWidths: [Int]

    public init(name: String, rows: [[Cell]] = [], hasHeaderRow: Bool = false, columnWidths: [Int] = []) {
        self.name = name
        self.rows = rows
        self.hasHeaderRow = hasHeaderRow
        self.columnWidths = columnWidths
    }
}

/// One cell's value.
public enum Cell: Sendable, Equatable {
    /// No value: nothing is written for the cell.
    case empty
    /// Text, written as an inline string (`t="inlineStr"`) exactly as given, except that characters XML 1.0
    /// cannot carry (C0 controls other than TAB, LF and CR; U+FFFE, U+FFFF) are written as U+FFFD.
    case text(String)
    /// A whole number, written as a numeric cell.
    case integer(Int64)
    /// An amount in fen (1/100 yuan), written as the exact decimal number of yuan (`1250.5` from 125050, never
    /// through floating point) with the built-in number format `0.00`.
    case fen(Int64)
}
