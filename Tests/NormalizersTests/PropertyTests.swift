import Vendors
import Normalizers
import RelayCore
import Testing

/// Arbitrary JSON fed to every normalizer and stream: objects built from the vendor's real key
/// names with values of the wrong type, deep nesting, huge strings, arrays at the root. Nothing
/// may crash, every column must be present in the encoded record, and rawLog must be the input.
@Suite struct PropertyTests {
    struct VendorKeys: Sendable, CustomTestStringConvertible {
        let sourceType: String
        let keys: [String]
        var streams: [String] { VendorCatalog.normalizers.normalizer(for: sourceType)?.streams ?? [] }
        var testDescription: String { sourceType }
    }

    /// The keys each normalizer reads (top-level and nested), so random events hit real lookups.
    static let vendorKeys: [VendorKeys] = [
        VendorKeys(sourceType: "appomni", keys: ["log_id", "action_at", "action_type", "action_data", "user_ip", "user_username", "user_id", "unified_identity_email", "target_user_username", "group_name", "policy_name", "service_name", "user_agent", "error_str"]),
        VendorKeys(sourceType: "box", keys: ["event_id", "created_at", "event_type", "ip_address", "created_by", "login", "id", "name", "type", "source", "item_name", "additional_details", "group_name", "session_id"]),
        VendorKeys(sourceType: "conductor-one", keys: ["metadata", "uid", "version", "time", "api", "operation", "request", "response", "code", "activity_name", "activity_id", "class_name", "class_uid", "category_uid", "type_uid", "severity_id", "status", "status_id", "message", "cloud", "account", "name", "provider", "http_request", "http_method", "url", "path", "user_agent", "src_endpoint", "ip", "actor", "user", "email_addr", "type", "resources"]),
        VendorKeys(sourceType: "duo", keys: ["action", "description", "ip_address", "groups", "name", "email", "factor", "error", "role", "isotimestamp", "timestamp", "object", "username", "txid", "event_type", "access_device", "ip", "user", "key", "application", "integration", "result", "reason", "location", "city", "state", "country"]),
        VendorKeys(sourceType: "endor-labs", keys: ["uuid", "meta", "create_time", "created_by", "spec", "operation", "message_kind", "message_uuid", "remote_address", "claims", "subject", "issuer", "tenant_meta", "namespace", "error", "message"]),
        VendorKeys(sourceType: "github", keys: ["_document_id", "@timestamp", "created_at", "action", "actor", "actor_id", "actor_ip", "actor_location", "country_code", "repo", "team", "user", "org", "operation_type", "X-GitHub-Event", "X-GitHub-Delivery", "sender", "login", "id", "repository", "full_name", "member", "membership", "organization", "name"]),
        VendorKeys(sourceType: "google-workspace", keys: ["id", "uniqueQualifier", "time", "applicationName", "ipAddress", "actor", "email", "profileId", "callerType", "events", "event", "name", "type", "parameters", "value", "USER_EMAIL"]),
        VendorKeys(sourceType: "kandji", keys: ["id", "action", "occurred_at", "actor_id", "actor_type", "target_id", "target_type", "target_component", "new_state", "metadata"]),
        VendorKeys(sourceType: "microsoft-365", keys: ["Id", "CreationTime", "Operation", "Workload", "ClientIP", "ActorIpAddress", "ClientIPAddress", "UserId", "UserKey", "UserType", "ObjectId", "ResultStatus", "ExtendedProperties", "ModifiedProperties", "Name", "Value", "NewValue", "RequestType"]),
        VendorKeys(sourceType: "okta", keys: ["uuid", "published", "eventType", "client", "ipAddress", "request", "ipChain", "ip", "actor", "alternateId", "id", "displayName", "type", "target", "outcome", "result", "reason", "severity", "geographicalContext", "geolocation", "lat", "lon", "securityContext"]),
        VendorKeys(sourceType: "onelogin", keys: ["id", "created_at", "event_type_id", "ipaddr", "actor_user_name", "actor_user_id", "user_name", "user_id", "actor_system", "role_name", "group_name", "app_name", "policy_name", "otp_device_name", "notes", "risk_score"]),
        VendorKeys(sourceType: "pingone", keys: ["id", "recordedAt", "createdAt", "action", "type", "source", "ipAddress", "userAgent", "actors", "user", "client", "name", "resources", "result", "status", "description", "_embedded", "modifiedAttributes"]),
        VendorKeys(sourceType: "salesforce", keys: ["TIMESTAMP_DERIVED", "TIMESTAMP", "EVENT_TYPE", "SOURCE_IP", "CLIENT_IP", "USER_NAME", "USER_ID_DERIVED", "METHOD_NAME", "ACTION_MESSAGE", "METHOD", "ROWS_PROCESSED", "channel", "data", "payload", "EventIdentifier", "EventDate", "SourceIp", "Username", "UserId", "Operation", "RowsProcessed", "City", "Latitude", "attributes", "type", "Id", "action", "sfdc_created_date", "sfdc_created_by_username", "section", "display"]),
        VendorKeys(sourceType: "servicenow", keys: ["sys_id", "sys_created_on", "tablename", "fieldname", "oldvalue", "newvalue", "user", "sys_created_by", "documentkey", "table", "user_name", "records", "operation", "changed_by", "changed_by.name", "role", "role.name", "user.name", "name", "parm1", "parm2", "user_id"]),
        VendorKeys(sourceType: "slack", keys: ["id", "date_create", "action", "context", "ip_address", "ua", "session_id", "location", "domain", "actor", "user", "email", "name", "type", "entity", "details", "new_value", "ip_ranges"]),
        VendorKeys(sourceType: "snowflake", keys: ["QUERY_ID", "START_TIME", "QUERY_TYPE", "QUERY_TEXT", "USER_NAME", "ROLE_NAME", "EXECUTION_STATUS", "DATABASE_NAME", "EVENT_ID", "EVENT_TIMESTAMP", "EVENT_TYPE", "CLIENT_IP", "FIRST_AUTHENTICATION_FACTOR", "SECOND_AUTHENTICATION_FACTOR", "IS_SUCCESS"]),
        VendorKeys(sourceType: "veeva-vault", keys: ["id", "timestamp", "type", "action", "source_ip", "user_name", "full_name", "user_id", "item", "event_description", "status", "on_behalf_of"]),
        VendorKeys(sourceType: "workday", keys: ["requestTime", "taskDisplayName", "ipAddress", "systemAccount", "target", "descriptor", "activityAction", "taskId", "deviceType", "userAgent", "sessionId"]),
    ]

    /// Column names every record carries (the extra columns are checked from `record.extras`).
    static let columns = [
        "workspaceID", "sourceID", "sourceType", "sourceTTL", "receivedAt", "id", "eventTime", "eventName", "eventID",
        "srcIP", "srcASCountryCode", "srcASNumber", "srcASOrganization", "srcCity", "srcConnectionType", "srcISP",
        "srcLatitude", "srcLongitude", "srcUserType", "dstIP", "dstASCountryCode", "dstASNumber", "dstASOrganization",
        "dstCity", "dstConnectionType", "dstISP", "dstLatitude", "dstLongitude", "dstUserType", "actor", "tags",
        "resources", "serviceName", "enrichments", "readOnly", "rawLog", "behavior",
    ]

    static let casesPerNormalizer = 2000
    static let hugeStringVendors: Set<String> = ["okta", "salesforce"]

    @Test func everyNormalizerIsCovered() {
        #expect(Set(Self.vendorKeys.map(\.sourceType)) == Set(VendorCatalog.normalizers.sourceTypes))
    }

    @Test(arguments: vendorKeys)
    func arbitraryJSONNeverBreaksARecord(_ vendor: VendorKeys) throws {
        let streams = vendor.streams
        try #require(!streams.isEmpty)
        var generator = RandomJSON(seed: UInt64(truncatingIfNeeded: vendor.sourceType.utf8.reduce(5381) { ($0 &* 33) &+ Int($1) }), keys: vendor.keys)
        let normalizer = PageNormalizer(registry: VendorCatalog.normalizers)
        let reader = JSONDocument()
        for index in 0..<Self.casesPerNormalizer {
            let stream = index % (streams.count + 1) == streams.count ? "no-such-stream" : streams[index % streams.count]
            // A ~1 MB string once for two vendors; every 50th case nests ~100 levels deep.
            let huge = index == 7 && Self.hugeStringVendors.contains(vendor.sourceType)
            let text = generator.event(huge: huge, deep: index % 50 == 3)
            let input = Array(text.utf8)
            let record = try normalizer.normalize(event: input[...], sourceType: vendor.sourceType, stream: stream,
                                                  identity: TestSupport.identity, receivedAt: TestSupport.receivedAt)
            #expect(Array(record.rawLog) == input)
            #expect(record.eventID.count > 0 && record.id.count == 32)
            #expect(record.src.ip.isEmpty || IPAddress(parsing: record.src.ip) != nil)
            // One pass over the encoded record: every column, in the encoder's fixed order.
            let root = try reader.parse(RecordEncoder.encode(record))
            let expected = Self.columns + record.extras.map(\.name.description)
            var position = 0
            for (key, value) in root.members {
                if position >= expected.count || key != expected[position] {
                    Issue.record("case \(index): unexpected column \(key) at \(position) for \(vendor.sourceType)/\(stream)")
                    break
                }
                if key == "rawLog" && value.string != text { Issue.record("case \(index): rawLog differs from the input") }
                position += 1
            }
            #expect(position == expected.count, "case \(index): \(position) of \(expected.count) columns")
        }
    }

    /// Bytes that are not JSON still become a record through the page path, byte for byte.
    @Test(arguments: vendorKeys)
    func invalidEventsKeepTheirBytes(_ vendor: VendorKeys) throws {
        var generator = RandomJSON(seed: 42, keys: vendor.keys)
        var body: [UInt8] = []
        var ranges: [Range<Int>] = []
        for index in 0..<50 {
            var bytes = Array(generator.event(huge: false, deep: false).utf8)
            if index % 2 == 0 { bytes.removeLast(min(bytes.count, 1 + index % 5)) }  // truncated
            ranges.append(body.count..<(body.count + bytes.count))
            body.append(contentsOf: bytes)
        }
        let page = RawPage(sourceType: vendor.sourceType, stream: vendor.streams.first ?? "", body: body, events: ranges,
                           cursor: nil, receivedAt: TestSupport.receivedAt)
        var records: [AuditRecord] = []
        PageNormalizer(registry: VendorCatalog.normalizers).normalize(page: page, identity: TestSupport.identity, into: &records)
        #expect(records.count == ranges.count)
        for (record, range) in zip(records, ranges) {
            #expect(record.rawLog == body[range])
            #expect(record.eventID.count > 0)
        }
    }
}

/// A seeded generator of JSON texts (SplitMix64), so every run sees the same cases.
struct RandomJSON {
    private var state: UInt64
    private let keys: [String]

    init(seed: UInt64, keys: [String]) {
        state = seed
        self.keys = keys
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// Values that exercise the normalizers' parsing: addresses with and without ports, garbage
    /// addresses, every time format, JSON inside strings, catalogue names, escapes and Unicode.
    static let interesting = [
        "198.51.100.1", "198.51.100.1:8259", "[2001:db8::1]:443", "::ffff:203.0.113.5", "211.150.189.540",
        "Salesforce.com IP", "2001db8fffffffffffffffffffffffa", "10.0.0.1", "2024-01-02T03:04:05Z",
        "2024-01-02T03:04:05.123456+00:00", "2023-03-21T10:04:39.747+0000", "2024-04-22 14:21:25", "1717764280.813000",
        "20230321171017.871", "1686089206322", "{\"ip_address\":\"192.0.2.1\",\"groups\":[{\"name\":\"g\"}]}", "{broken",
        "/event/LoginEventStream", "SAS:BeginAuth", "StrongAuthenticationMethod", "[]", "changed Group to x",
        "mfaEnabled", "DELETED", "USER.UPDATED", "Update user.", "user_update", "UserLoggedIn", "UPDATED_USER",
        "pref.two_factor_auth_changed", "team_authorized_ip_range_set", "READ", "INSERT INTO t", "create user x",
        "1$aura://X/ACTION$deleteThing=1", "ReportExported", "User Login", "Group \"g\" deleted", "Role : r",
        "email=a@b.c", "user=x@x509", "LOGIN", "login", "", " ", "null", "\\u0000", "é漢字🙂", "quote\"back\\slash",
        "line\nbreak\ttab", "\u{7F}\u{1}",
    ]

    mutating func string() -> String {
        if below(3) > 0 { return Self.interesting[below(Self.interesting.count)] }
        var text = ""
        for _ in 0..<below(24) { text.unicodeScalars.append(Unicode.Scalar(UInt8(32 + below(95)))) }
        return text
    }

    mutating func number() -> String {
        switch below(6) {
        case 0: return String(Int64(bitPattern: next()))
        case 1: return String(below(100_000))
        case 2: return "-\(below(1000)).\(below(1000))"
        case 3: return "1.5e\(below(400))"
        case 4: return "1717764280813"
        default: return "0"
        }
    }

    func quoted(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\t": output += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        return output + "\""
    }

    mutating func value(depth: Int, maxDepth: Int) -> String {
        let kind = depth >= maxDepth ? below(4) : below(7)
        switch kind {
        case 0: return quoted(string())
        case 1: return number()
        case 2: return below(2) == 0 ? "true" : "false"
        case 3: return "null"
        case 4, 5: return object(depth: depth + 1, maxDepth: maxDepth)
        default:
            var parts: [String] = []
            for _ in 0..<below(4) { parts.append(value(depth: depth + 1, maxDepth: maxDepth)) }
            return "[" + parts.joined(separator: ",") + "]"
        }
    }

    mutating func object(depth: Int, maxDepth: Int) -> String {
        var parts: [String] = []
        for _ in 0..<below(7) {
            let key = below(6) == 0 ? string() : keys[below(keys.count)]
            parts.append(quoted(key) + ":" + value(depth: depth, maxDepth: maxDepth))
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    /// One event: usually an object, sometimes an array or a scalar at the root.
    mutating func event(huge: Bool, deep: Bool) -> String {
        if huge {
            let big = "\"" + String(repeating: "x", count: 1 << 20) + "\""
            return "{" + quoted(keys[0]) + ":" + big + "," + quoted(keys[keys.count - 1]) + ":" + object(depth: 0, maxDepth: 3) + "}"
        }
        if deep {
            var text = quoted(string())
            for level in 0..<100 {
                let key = keys[level % keys.count]
                text = level % 3 == 0 ? "[" + text + "]" : "{" + quoted(key) + ":" + text + "}"
            }
            return text
        }
        switch below(20) {
        case 0: return "[" + object(depth: 0, maxDepth: 3) + "," + object(depth: 0, maxDepth: 3) + "]"
        case 1: return value(depth: 4, maxDepth: 4)
        default: return object(depth: 0, maxDepth: 4)
        }
    }
}
