/// Why a workbook could not be written, or an archive not read. Sheets, rows and columns are numbered from 1;
/// no cell's content is ever repeated.
public enum XLSXError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A workbook needs at least one sheet.
    case noSheets
    case invalidSheetName(sheet: Int, why: String)
    case duplicateSheetName(sheet: Int)
    /// More rows than a sheet can hold (`XLSXWriter.maxRows`).
    case tooManyRows(sheet: Int)
    /// More cells in a row than a sheet has columns (`XLSXWriter.maxColumns`).
    case tooManyColumns(sheet: Int, row: Int)
    /// A text longer than a cell can hold (`XLSXWriter.maxCellTextUTF16`).
    case cellTextTooLong(sheet: Int, row: Int, column: Int)
    /// The ZIP library failed while writing the archive.
    case archiveWriteFailed(String)
    /// The bytes are not a readable ZIP archive, or one of its parts could not be read.
    case archiveUnreadable(String)
    /// The archive's parts together exceed the size limit given to the reader.
    case archiveTooLarge(limit: Int)

    public var description: String {
        switch self {
        case .noSheets: "the workbook has no sheet"
        case .invalidSheetName(let sheet, let why): "sheet \(sheet): invalid name: \(why)"
        case .duplicateSheetName(let sheet): "sheet \(sheet): its name is already used by an earlier sheet"
        case .tooManyRows(let sheet): "sheet \(sheet): more than \(XLSXWriter.maxRows) rows"
        case .tooManyColumns(let sheet, let row): "sheet \(sheet), row \(row): more than \(XLSXWriter.maxColumns) cells"
        case .cellTextTooLong(let sheet, let row, let column):
            "sheet \(sheet), row \(row), column \(column): text longer than \(XLSXWriter.maxCellTextUTF16) UTF-16 units"
        case .archiveWriteFailed(let why): "the ZIP archive could not be written: \(why)"
        case .archiveUnreadable(let why): "not a readable XLSX/ZIP archive: \(why)"
        case .archiveTooLarge(let limit): "the archive's parts exceed \(limit) bytes uncompressed"
        }
    }
}
