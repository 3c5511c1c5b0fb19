/// One vendor event, normalized. Every column is always present when encoded; unknown values keep
/// their zero value ("", 0, 0.0, false, {}, []), so downstream tables keep a stable schema.
///
/// Column names and types follow the seed schema tables; see `RecordEncoder` for the wire form.
public struct AuditRecord: Sendable {
    // Source identity (from config)
    public var workspaceID = ""
    public var sourceID = ""
    /// Kebab-case vendor name, e.g. `okta`, `google-workspace`.
    public var sourceType = ""
    /// Retention hint in days.
    public var sourceTTL: UInt32 = 0
    public var receivedAt = Timestamp.zero

    /// Deterministic id derived from (sourceID, eventID): a duplicate delivery carries the same id.
    public var id = ""
    public var eventTime = Timestamp.zero
    /// The vendor's native action or event type.
    public var eventName = ""
    /// The vendor's event id, or a stable content hash where the vendor has none.
    public var eventID = ""

    public var src = NetworkEndpoint()
    public var dst = NetworkEndpoint()

    /// Who did it: keys such as id, email, username, name, type.
    public var actor = KeyValues()
    public var tags = KeyValues()
    public var resources: [String] = []
    public var serviceName = ""
    public var enrichments: [Enrichment] = []
    public var readOnly = false
    /// The original vendor event, byte for byte as received: a slice of the page it came in, so
    /// normalizing never copies it.
    public var rawLog: ArraySlice<UInt8> = []
    public var behavior = Behavior.none
    /// What decided `behavior` (not encoded: `normalize --explain` prints it).
    public var behaviorBasis = BehaviorBasis.none
    /// Per-source extra columns; a normalizer declares the full set so every column is present.
    public var extras: [ExtraColumn] = []

    public init() {}
}

/// The ten columns that describe one end of a connection (`src*` / `dst*`).
public struct NetworkEndpoint: Sendable, Equatable {
    public var ip = ""
    public var asCountryCode = ""
    public var asNumber: UInt32 = 0
    public var asOrganization = ""
    public var city = ""
    public var connectionType = ""
    public var isp = ""
    public var latitude = 0.0
    public var longitude = 0.0
    public var userType = ""

    public init(ip: String = "") { self.ip = ip }
}

/// An ordered string map. Ordered so that output is byte-for-byte reproducible across runs
/// (Swift dictionaries are seeded per process).
public struct KeyValues: Sendable, Equatable, ExpressibleByDictionaryLiteral, Sequence {
    public private(set) var pairs: [(key: String, value: String)] = []

    public init() {}
    public init(dictionaryLiteral elements: (String, String)...) {
        for (key, value) in elements { self[key] = value }
    }

    /// Setting "" or nil removes the key: empty values carry no information.
    public subscript(key: String) -> String? {
        get { pairs.first { $0.key == key }?.value }
        set {
            if let index = pairs.firstIndex(where: { $0.key == key }) {
                if let newValue, !newValue.isEmpty { pairs[index].value = newValue } else { pairs.remove(at: index) }
            } else if let newValue, !newValue.isEmpty {
                if pairs.isEmpty { pairs.reserveCapacity(8) }  // one allocation for a typical map
                pairs.append((key, newValue))
            }
        }
    }

    public var isEmpty: Bool { pairs.isEmpty }
    public var count: Int { pairs.count }
    public func makeIterator() -> IndexingIterator<[(key: String, value: String)]> { pairs.makeIterator() }

    public static func == (lhs: KeyValues, rhs: KeyValues) -> Bool {
        lhs.pairs.count == rhs.pairs.count && zip(lhs.pairs, rhs.pairs).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// Extra context attached to a record: vendor-provided geo, GeoIP results, threat intel.
public struct Enrichment: Sendable, Equatable {
    public var data: KeyValues
    public var name: String
    public var provider: String
    public var type: String
    public var value: String

    public init(name: String, provider: String, type: String, value: String, data: KeyValues = KeyValues()) {
        self.name = name
        self.provider = provider
        self.type = type
        self.value = value
        self.data = data
    }
}

/// A per-source column beyond the common set, e.g. Kandji's `targetType` or ConductorOne's `classUID`.
public struct ExtraColumn: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case string(String)
        case int(Int64)
        case double(Double)
        case bool(Bool)
    }

    public var name: StaticString
    public var value: Value

    public init(_ name: StaticString, _ value: Value) {
        self.name = name
        self.value = value
    }

    public static func == (lhs: ExtraColumn, rhs: ExtraColumn) -> Bool {
        lhs.name.description == rhs.name.description && lhs.value == rhs.value
    }
}

/// What decided a record's behavior: a vendor table entry (its pattern), the shared grammar over
/// the name, a vendor rule reading other fields, or nothing.
public enum BehaviorBasis: Sendable, Equatable, CustomStringConvertible {
    case none
    case table(String)
    case grammar(String)
    case vendor(String)

    public var description: String {
        switch self {
        case .none: return "none"
        case .table(let pattern): return "table \(pattern)"
        case .grammar(let words): return "grammar \(words)"
        case .vendor(let rule): return "vendor \(rule)"
        }
    }
}
