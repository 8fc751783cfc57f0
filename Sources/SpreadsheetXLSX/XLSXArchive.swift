import Foundation
import ZIPFoundation

/// Reads the parts of an `.xlsx` file (a ZIP archive) back, in archive order: what tests and checks use to look
/// inside a workbook, and where issue 12's reader starts.
public enum XLSXArchive {
    /// One file of the archive: its path (`xl/worksheets/sheet1.xml`) and its uncompressed bytes.
    public struct Part: Sendable, Equatable {
        public let path: String
        public let bytes: [UInt8]
    }

    /// Every file of the archive, decompressed and CRC-checked. Refuses archives whose files together exceed
    /// `limit` bytes (a small archive can inflate to gigabytes).
    public static func parts(of bytes: [UInt8], limit: Int = 256 << 20) throws(XLSXError) -> [Part] {
        do {
            let archive = try Archive(data: Data(bytes), accessMode: .read)
            var parts: [Part] = []
            var total = 0
            for entry in archive where entry.type == .file {
                guard entry.uncompressedSize <= UInt64(max(0, limit - total)) else { throw XLSXError.archiveTooLarge(limit: limit) }
                var content: [UInt8] = []
                content.reserveCapacity(Int(entry.uncompressedSize))
                _ = try archive.extract(entry) { chunk in
                    guard content.count + chunk.count <= limit - total else { throw XLSXError.archiveTooLarge(limit: limit) }
                    content.append(contentsOf: chunk)
                }
                total += content.count
                parts.append(Part(path: entry.path, bytes: content))
            }
            return parts
        } catch let error as XLSXError {
            throw error
        } catch {
            throw .archiveUnreadable(String(describing: error))
        }
    }
}
