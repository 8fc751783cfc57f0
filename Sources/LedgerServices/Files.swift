import Foundation
import LedgerCore
import LedgerCrypto
#if canImport(Glibc)
import Glibc
#endif

public enum Files {
    /// Reads a whole file, memory-mapped when possible.
    public static func read(_ path: String) throws -> Data {
        do { return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw ServiceError("cannot read \(path): \((error as NSError).localizedDescription)")
        }
    }

    public static func write(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644, overwrite: Bool = true) throws {
        let flags = O_WRONLY | O_CREAT | (overwrite ? O_TRUNC : O_EXCL)
        let fd = open(path, flags, mode)
        guard fd >= 0 else {
            throw ServiceError(errno == EEXIST ? "\(path) already exists; refusing to overwrite it" : "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        // open() applies the umask; set the mode explicitly so key files are 0600 whatever the umask.
        fchmod(fd, mode)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw ServiceError("cannot write \(path): \(String(cString: strerror(errno)))") }
            offset += n
        }
        guard fsync(fd) == 0 else { throw ServiceError("cannot sync \(path): \(String(cString: strerror(errno)))") }
    }

    public static func makeDirectory(_ path: String, mode: Int? = nil) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: mode.map { [.posixPermissions: $0] })
        } catch {
            throw ServiceError("cannot create directory \(path): \((error as NSError).localizedDescription)")
        }
    }
}

