import Synchronization

/// A database file that may be replaced while the sidecar runs (geoipupdate, a config-management
/// push, an operator copying a file over the old one).
///
/// How replacement is made safe:
/// - Every version of the file is read once, completely, into private anonymous memory
///   (`MMDBLoadMode.copied`) instead of being mapped. A mapping would share pages with the file,
///   so a file truncated or rewritten in place would make lookups read changed bytes or die with
///   SIGBUS. The private copy cannot change under the reader; the cost is the file size in RSS
///   (instead of shared page cache), and a read of the whole file per reload.
/// - The file's (device, inode, size, mtime) signature is taken before and after the read; if it
///   changed, the copy is thrown away as torn and the next `refreshIfChanged()` tries again.
/// - A new copy is validated before it is used: metadata, optionally an expected `database_type`,
///   probe lookups that fully decode their records, and optionally a full `verify()`.
/// - The swap is a pointer exchange under a lock. Callers take `reader` once per batch and use it;
///   an old reader (and its memory) lives until the last caller holding it lets go, so lookups in
///   flight finish on the version they started with.
/// - A failed reload keeps the old reader serving and is reported; the same failing file is not
///   retried until its signature changes again.
///
/// Replacing the file with an atomic `rename(2)` is still the recommended way to update it: the
/// new file is complete the moment it becomes visible, so the first reload attempt succeeds.
public final class GeoIPDatabase: Sendable {
    /// What one `refreshIfChanged()` call did.
    public enum RefreshOutcome: Sendable, Equatable {
        case unchanged
        case reloaded(MMDBMetadata)
        /// The file changed but could not be used; the previous reader keeps serving.
        case failed(MMDBError)
    }

    /// Counters for metrics (`geoip_db_reloads_total{result}`, `geoip_db_build_epoch`).
    public struct Statistics: Sendable, Equatable {
        public var successfulReloads = 0
        public var failedReloads = 0
        public var lastError: MMDBError?
        public var buildEpoch: UInt64 = 0
    }

    public let path: String
    private let verifyOnLoad: Bool
    private let expectedDatabaseType: String?
    private let probeAddresses: [IPAddressBytes]
    private let state: Mutex<State>

    private struct State {
        var reader: MMDBReader
        var lastFailedSignature: MMDBFileSignature?
        var statistics: Statistics
    }

    /// Addresses looked up (and fully decoded) to probe a freshly loaded file.
    public static let defaultProbeAddresses: [IPAddressBytes] = [
        "1.1.1.1", "8.8.8.8", "81.2.69.160", "2001:4860:4860::8888", "2a02:d8::1", "::ffff:1.2.3.4",
    ].compactMap(IPAddressBytes.init)

    /// Loads `path` now; throws if it cannot be read or fails validation.
    /// - Parameters:
    ///   - expectedDatabaseType: if set, `database_type` must contain it (e.g. "City", "ASN").
    ///   - verifyOnLoad: also run the full `verify()` on every load (slower, for small files or tests).
    public init(path: String, expectedDatabaseType: String? = nil, verifyOnLoad: Bool = false,
                probeAddresses: [IPAddressBytes] = GeoIPDatabase.defaultProbeAddresses) throws(MMDBError) {
        self.path = path
        self.verifyOnLoad = verifyOnLoad
        self.expectedDatabaseType = expectedDatabaseType
        self.probeAddresses = probeAddresses
        let reader = try Self.load(path: path, expectedDatabaseType: expectedDatabaseType,
                                   verifyOnLoad: verifyOnLoad, probeAddresses: probeAddresses)
        var statistics = Statistics()
        statistics.buildEpoch = reader.metadata.buildEpoch
        state = Mutex(State(reader: reader, lastFailedSignature: nil, statistics: statistics))
    }

    /// The current reader. Take it once per batch of lookups and keep using it for that batch.
    public var reader: MMDBReader {
        state.withLock { $0.reader }
    }

    public var statistics: Statistics {
        state.withLock { $0.statistics }
    }

    /// Checks the file's inode, size and mtime and, if they changed, loads and validates the new file
    /// and swaps it in. Cheap when nothing changed (one `stat`). Call it every few seconds.
    @discardableResult
    public func refreshIfChanged() -> RefreshOutcome {
        guard let signature = MMDBFileSignature.current(path: path) else {
            // Missing right now (deleted, or between unlink and create): keep serving, try again later.
            return .unchanged
        }
        let (current, lastFailed) = state.withLock { ($0.reader.fileSignature, $0.lastFailedSignature) }
        if signature == current || signature == lastFailed { return .unchanged }
        do {
            let reader = try Self.load(path: path, expectedDatabaseType: expectedDatabaseType,
                                       verifyOnLoad: verifyOnLoad, probeAddresses: probeAddresses)
            state.withLock {
                $0.reader = reader
                $0.lastFailedSignature = nil
                $0.statistics.successfulReloads += 1
                $0.statistics.buildEpoch = reader.metadata.buildEpoch
            }
            return .reloaded(reader.metadata)
        } catch {
            state.withLock {
                $0.lastFailedSignature = signature
                $0.statistics.failedReloads += 1
                $0.statistics.lastError = error
            }
            return .failed(error)
        }
    }

    private static func load(path: String, expectedDatabaseType: String?, verifyOnLoad: Bool,
                             probeAddresses: [IPAddressBytes]) throws(MMDBError) -> MMDBReader {
        let reader = try MMDBReader(path: path, mode: .copied)
        if let expectedDatabaseType, !reader.metadata.databaseType.contains(expectedDatabaseType) {
            throw MMDBError(path: path, code: .invalidMetadata(
                "database type '\(reader.metadata.databaseType)' is not the expected '\(expectedDatabaseType)'"))
        }
        for address in probeAddresses where address.isIPv4 || reader.metadata.ipVersion == 6 {
            let result = try reader.lookup(address)
            _ = try reader.decode(in: result)
        }
        if verifyOnLoad { try reader.verify() }
        return reader
    }
}
