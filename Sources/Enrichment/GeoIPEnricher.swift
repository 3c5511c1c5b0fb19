import GeoIP
import Metrics
import RelayCore
import Synchronization

/// Stage 3: fills the `src*`/`dst*` columns from local MaxMind-format databases and adds one
/// `enrichments` entry per database that knew the address (provider `maxmind`, type = the
/// database's `database_type`).
///
/// Column sources: ASCountryCode from `country.iso_code` (City/Country/Enterprise), City from
/// `city.names.en`, Latitude/Longitude from `location`, ASNumber/ASOrganization from the ASN or ISP
/// database (or Enterprise `traits`), ISP from `isp`, ConnectionType from `connection_type`, UserType
/// from Enterprise `traits.user_type`. The first database that has a value wins. Private, loopback,
/// link-local, documentation and other special-purpose addresses are not looked up.
///
/// Audit logs repeat the same few addresses all day, so results are cached per address (bounded;
/// emptied when a database is reloaded).
public final class GeoIPEnricher: Enricher {
    public let databases: [GeoIPDatabase]
    private let cache: Mutex<ResultCache>
    private let lookups = Counter(label: MetricName.geoipLookups)
    private let cacheHits = Counter(label: MetricName.geoipCacheHits)

    /// Opens every database (validating it); throws `MMDBError` naming the file that is missing or corrupt.
    public init(paths: [String], cacheSize: Int = 8192) throws {
        databases = try paths.map { try GeoIPDatabase(path: $0) }
        cache = Mutex(ResultCache(capacity: cacheSize))
        recordBuildEpochs()
    }

    public func enrich(_ records: inout [AuditRecord]) {
        let readers = databases.map(\.reader)
        let values = MMDBFieldValues(for: Self.fields)
        var tally = LookupTally()
        for index in records.indices where !records[index].src.ip.isEmpty || !records[index].dst.ip.isEmpty {
            // In place: a copy of the record taken out and stored back made its enrichments array
            // shared, so every append copied it.
            enrichEndpoints(of: &records[index], readers: readers, values: values, tally: &tally)
        }
        // Once per page rather than twice per record.
        if tally.lookups > 0 { lookups.increment(by: tally.lookups) }
        if tally.hits > 0 { cacheHits.increment(by: tally.hits) }
    }

    private func enrichEndpoints(of record: inout AuditRecord, readers: [MMDBReader], values: MMDBFieldValues, tally: inout LookupTally) {
        enrich(&record.src, enrichments: &record.enrichments, readers: readers, values: values, tally: &tally)
        enrich(&record.dst, enrichments: &record.enrichments, readers: readers, values: values, tally: &tally)
    }

    private struct LookupTally {
        var lookups = 0
        var hits = 0
    }

    /// The enrichment for one address (for `auditrelay lookup`).
    public func lookup(_ ip: String) -> (endpoint: NetworkEndpoint, enrichments: [Enrichment]) {
        var endpoint = NetworkEndpoint(ip: ip)
        var enrichments: [Enrichment] = []
        var tally = LookupTally()
        enrich(&endpoint, enrichments: &enrichments, readers: databases.map(\.reader), values: MMDBFieldValues(for: Self.fields), tally: &tally)
        if tally.lookups > 0 { lookups.increment(by: tally.lookups) }
        if tally.hits > 0 { cacheHits.increment(by: tally.hits) }
        return (endpoint, enrichments)
    }

    /// Reloads databases whose file changed (new inode, size or mtime). A database that fails to
    /// load keeps serving its previous version; the error is returned for logging.
    public func refresh() -> [(path: String, outcome: GeoIPDatabase.RefreshOutcome)] {
        let outcomes = databases.map { ($0.path, $0.refreshIfChanged()) }
        if outcomes.contains(where: { if case .reloaded = $0.1 { return true } else { return false } }) {
            cache.withLock { $0.removeAll() }
            recordBuildEpochs()
        }
        for (path, outcome) in outcomes {
            switch outcome {
            case .reloaded: Counter(label: MetricName.geoipReloads, dimensions: [("database", path), ("result", "success")]).increment()
            case .failed: Counter(label: MetricName.geoipReloads, dimensions: [("database", path), ("result", "failure")]).increment()
            default: break
            }
        }
        return outcomes
    }

    private func recordBuildEpochs() {
        for database in databases {
            Gauge(label: MetricName.geoipDatabaseBuildEpoch, dimensions: [("database", database.reader.metadata.databaseType)])
                .record(Double(database.reader.metadata.buildEpoch))
        }
    }

    private func enrich(_ endpoint: inout NetworkEndpoint, enrichments: inout [Enrichment], readers: [MMDBReader], values: MMDBFieldValues,
                        tally: inout LookupTally) {
        guard !endpoint.ip.isEmpty else { return }
        tally.lookups += 1
        if let cached = cache.withLock({ $0[endpoint.ip] }) {
            tally.hits += 1
            cached.apply(to: &endpoint, enrichments: &enrichments)
            return
        }
        var result = CachedResult()
        if let address = IPAddress(parsing: endpoint.ip), !address.isSpecialPurpose,
           let bytes = IPAddressBytes(bytes: address.bytes) {
            for reader in readers {
                result.merge(reader: reader, address: bytes, ip: endpoint.ip, values: values)
            }
        }
        cache.withLock { $0[endpoint.ip] = result }
        result.apply(to: &endpoint, enrichments: &enrichments)
    }

    /// Every path any supported database type uses; one pass per record reads them all.
    static let fields = MMDBFieldSet([
        ["country", "iso_code"], ["city", "names", "en"], ["location", "latitude"], ["location", "longitude"],
        ["autonomous_system_number"], ["autonomous_system_organization"], ["isp"], ["organization"], ["connection_type"],
        ["traits", "autonomous_system_number"], ["traits", "autonomous_system_organization"], ["traits", "isp"],
        ["traits", "organization"], ["traits", "connection_type"], ["traits", "user_type"],
        ["registered_country", "iso_code"],
    ])

    enum Field: Int {
        case country, city, latitude, longitude, asNumber, asOrganization, isp, organization, connectionType
        case traitsASNumber, traitsASOrganization, traitsISP, traitsOrganization, traitsConnectionType, userType
        case registeredCountry
    }
}

/// The columns and enrichments one address resolved to, across all databases.
struct CachedResult: Sendable {
    var endpoint = NetworkEndpoint()
    var enrichments: [Enrichment] = []

    mutating func merge(reader: MMDBReader, address: IPAddressBytes, ip: String, values: MMDBFieldValues) {
        typealias Field = GeoIPEnricher.Field
        guard let found = try? reader.lookup(address), found.found,
              (try? reader.read(GeoIPEnricher.fields, in: found, into: values)) != nil else { return }
        func string(_ field: Field) -> String? { values.string(field.rawValue).flatMap { $0.isEmpty ? nil : $0 } }
        func fill(_ target: inout String, _ fields: Field...) {
            guard target.isEmpty else { return }
            for field in fields { if let value = string(field) { target = value; return } }
        }
        fill(&endpoint.asCountryCode, .country, .registeredCountry)
        fill(&endpoint.city, .city)
        fill(&endpoint.asOrganization, .asOrganization, .traitsASOrganization)
        fill(&endpoint.isp, .isp, .traitsISP)
        fill(&endpoint.connectionType, .connectionType, .traitsConnectionType)
        fill(&endpoint.userType, .userType)
        if endpoint.asNumber == 0, let number = values.uint(Field.asNumber.rawValue) ?? values.uint(Field.traitsASNumber.rawValue) {
            endpoint.asNumber = UInt32(truncatingIfNeeded: number)
        }
        if endpoint.latitude == 0 && endpoint.longitude == 0,
           let latitude = values.double(Field.latitude.rawValue), let longitude = values.double(Field.longitude.rawValue) {
            endpoint.latitude = latitude
            endpoint.longitude = longitude
        }
        var data = KeyValues()
        for (field, key) in [(Field.country, "countryCode"), (.city, "city"), (.asOrganization, "asOrganization"),
                             (.traitsASOrganization, "asOrganization"), (.isp, "isp"), (.traitsISP, "isp"),
                             (.organization, "organization"), (.traitsOrganization, "organization"),
                             (.connectionType, "connectionType"), (.traitsConnectionType, "connectionType"),
                             (.userType, "userType"), (.registeredCountry, "registeredCountryCode")] where data[key] == nil {
            data[key] = string(field)
        }
        if let number = values.uint(Field.asNumber.rawValue) ?? values.uint(Field.traitsASNumber.rawValue) { data["asNumber"] = String(number) }
        if let latitude = values.double(Field.latitude.rawValue) { data["latitude"] = String(latitude) }
        if let longitude = values.double(Field.longitude.rawValue) { data["longitude"] = String(longitude) }
        guard !data.isEmpty else { return }
        enrichments.append(Enrichment(name: "geoip", provider: "maxmind", type: reader.metadata.databaseType, value: ip, data: data))
    }

    func apply(to target: inout NetworkEndpoint, enrichments target2: inout [Enrichment]) {
        let ip = target.ip
        target = endpoint
        target.ip = ip
        target2.append(contentsOf: enrichments)
    }
}

/// A bounded address -> result map. When full it starts over: simpler than LRU, and audit logs'
/// hot addresses come straight back.
struct ResultCache: ~Copyable {
    private var entries: [String: CachedResult] = [:]
    let capacity: Int

    init(capacity: Int) { self.capacity = max(0, capacity) }

    subscript(ip: String) -> CachedResult? {
        get { entries[ip] }
        set {
            guard capacity > 0 else { return }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[ip] = newValue
        }
    }

    mutating func removeAll() { entries.removeAll(keepingCapacity: true) }
}
