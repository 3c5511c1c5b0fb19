import Normalizers
import Vendors
import RelayCore
import Testing

/// The kinds of mess the EMM samples contain: garbage in IP fields, every timestamp format,
/// double-encoded JSON, odd keys and nulls everywhere.
@Suite struct RealWorldMessTests {
    struct IPCase: Sendable, CustomTestStringConvertible {
        let sourceType: String, stream: String, json: String, srcIP: String
        var testDescription: String { json }
    }

    static let ipCases: [IPCase] = [
        // Not addresses: srcIP stays "", the next candidate is used when the vendor has one.
        IPCase(sourceType: "salesforce", stream: "eventlogfile", json: #"{"EVENT_TYPE":"Login","CLIENT_IP":"Salesforce.com IP"}"#, srcIP: ""),
        IPCase(sourceType: "salesforce", stream: "eventlogfile", json: #"{"EVENT_TYPE":"Login","SOURCE_IP":"Salesforce.com IP","CLIENT_IP":"203.0.113.7"}"#, srcIP: "203.0.113.7"),
        IPCase(sourceType: "google-workspace", stream: "activities", json: #"{"ipAddress":"211.150.189.540"}"#, srcIP: ""),
        IPCase(sourceType: "salesforce", stream: "realtime", json: #"{"channel":"/event/IdentityVerificationEvent","data":{"payload":{"SourceIp":"2001db8fffffffffffffffffffffffa"}}}"#, srcIP: ""),
        IPCase(sourceType: "okta", stream: "system_log", json: #"{"client":{"ipAddress":"not an ip"}}"#, srcIP: ""),
        IPCase(sourceType: "slack", stream: "audit_logs", json: #"{"context":{"ip_address":12345}}"#, srcIP: ""),
        // Ports, brackets, mapped and special-purpose addresses.
        IPCase(sourceType: "microsoft-365", stream: "Audit.Exchange", json: #"{"ClientIP":"198.51.100.1:8259"}"#, srcIP: "198.51.100.1"),
        IPCase(sourceType: "microsoft-365", stream: "Audit.Exchange", json: #"{"ClientIP":"[2001:db8::1]:443"}"#, srcIP: "2001:db8::1"),
        IPCase(sourceType: "microsoft-365", stream: "Audit.AzureActiveDirectory", json: #"{"ClientIP":"","ActorIpAddress":"::ffff:203.0.113.5"}"#, srcIP: "203.0.113.5"),
        IPCase(sourceType: "microsoft-365", stream: "Audit.General", json: #"{"ClientIPAddress":"2001:DB8:0:0:0:0:0:1"}"#, srcIP: "2001:db8::1"),
        IPCase(sourceType: "box", stream: "admin_logs", json: #"{"ip_address":"10.1.2.3"}"#, srcIP: "10.1.2.3"),
        IPCase(sourceType: "duo", stream: "authentication", json: #"{"access_device":{"ip":null},"ip":"192.168.10.1"}"#, srcIP: "192.168.10.1"),
        IPCase(sourceType: "workday", stream: "activity_logging", json: #"{"ipAddress":" 192.0.2.10 "}"#, srcIP: "192.0.2.10"),
        IPCase(sourceType: "servicenow", stream: "sysevent", json: #"{"name":"login","parm2":"None"}"#, srcIP: ""),
        IPCase(sourceType: "servicenow", stream: "sysevent", json: #"{"name":"report.view","parm2":"198.51.100.1"}"#, srcIP: ""),
    ]

    @Test(arguments: ipCases)
    func sourceIPIsAnAddressOrEmpty(_ testCase: IPCase) throws {
        let record = try TestSupport.normalize(testCase.json, testCase.sourceType, testCase.stream)
        #expect(record.src.ip == testCase.srcIP)
        #expect(Array(record.rawLog) == Array(testCase.json.utf8))
    }

    /// IPAddress tells IPv4 from IPv6 by the presence of a colon (a byte test, see IPAddress.swift).
    @Test func ipAddressFamilyDetection() {
        #expect(IPAddress(parsing: "203.0.113.5")?.isIPv4 == true)
        #expect(IPAddress(parsing: "203.0.113.5:443")?.description == "203.0.113.5")
        #expect(IPAddress(parsing: "203.0.113.5:")?.description == nil)
        #expect(IPAddress(parsing: "2001:db8::5")?.isIPv4 == false)
        #expect(IPAddress(parsing: "fe80::1%eth0")?.description == "fe80::1")
        #expect(IPAddress(parsing: "[::1]")?.description == "::1")
        #expect(IPAddress(parsing: "1.2.3") == nil)
        #expect(IPAddress(parsing: "::ffff:198.51.100.7")?.description == "198.51.100.7")
    }

    struct TimeCase: Sendable, CustomTestStringConvertible {
        let sourceType: String, stream: String, json: String, eventTime: String
        var testDescription: String { json }
    }

    static let timeCases: [TimeCase] = [
        TimeCase(sourceType: "slack", stream: "audit_logs", json: #"{"date_create":1692033735}"#, eventTime: "2023-08-14T17:22:15Z"),
        TimeCase(sourceType: "slack", stream: "audit_logs", json: #"{"date_create":"1692033735"}"#, eventTime: "2023-08-14T17:22:15Z"),
        TimeCase(sourceType: "github", stream: "audit_log", json: #"{"@timestamp":1686089206322}"#, eventTime: "2023-06-06T22:06:46.322Z"),
        TimeCase(sourceType: "github", stream: "audit_log", json: #"{"@timestamp":null,"created_at":1686089206322}"#, eventTime: "2023-06-06T22:06:46.322Z"),
        TimeCase(sourceType: "snowflake", stream: "login_history", json: #"{"EVENT_TIMESTAMP":"1717764280.813000"}"#, eventTime: "2024-06-07T12:44:40.813000Z"),
        TimeCase(sourceType: "snowflake", stream: "query_history", json: #"{"START_TIME":1717764280813000}"#, eventTime: "2024-06-07T12:44:40.813000Z"),
        TimeCase(sourceType: "salesforce", stream: "eventlogfile", json: #"{"TIMESTAMP":"20230321171017.871"}"#, eventTime: "2023-03-21T17:10:17.871Z"),
        TimeCase(sourceType: "microsoft-365", stream: "Audit.Exchange", json: #"{"CreationTime":"2024-05-01T04:06:22"}"#, eventTime: "2024-05-01T04:06:22Z"),
        TimeCase(sourceType: "salesforce", stream: "realtime", json: #"{"data":{"payload":{"EventDate":"2023-03-21T10:04:39.747+0000"}}}"#, eventTime: "2023-03-21T10:04:39.747Z"),
        TimeCase(sourceType: "box", stream: "admin_logs", json: #"{"created_at":"2023-05-09T10:24:15-07:00"}"#, eventTime: "2023-05-09T17:24:15Z"),
        TimeCase(sourceType: "servicenow", stream: "sys_audit", json: #"{"sys_created_on":"2024-04-22 14:21:25"}"#, eventTime: "2024-04-22T14:21:25Z"),
        TimeCase(sourceType: "duo", stream: "administrator", json: #"{"isotimestamp":null,"timestamp":1715966693}"#, eventTime: "2024-05-17T17:24:53Z"),
        TimeCase(sourceType: "appomni", stream: "auditlogs", json: #"{"action_at":"2023-06-14T21:57:50.583325+00:00"}"#, eventTime: "2023-06-14T21:57:50.583325Z"),
        TimeCase(sourceType: "conductor-one", stream: "system_log", json: #"{"time":1717764280813}"#, eventTime: "2024-06-07T12:44:40.813Z"),
        // Not a time: when it was received (never 1970-01-01), and the record says so.
        TimeCase(sourceType: "okta", stream: "system_log", json: #"{"published":"yesterday"}"#, eventTime: "2023-11-14T22:13:20.123456Z"),
    ]

    @Test(arguments: timeCases)
    func everyTimestampFormat(_ testCase: TimeCase) throws {
        let record = try TestSupport.normalize(testCase.json, testCase.sourceType, testCase.stream)
        #expect(record.eventTime.description == testCase.eventTime)
    }

    @Test func duoDescriptionAsObjectOrEncodedString() throws {
        let object = #"{"action":"admin_2fa_error","username":"Joe","description":{"ip_address":"192.168.1.2","factor":"push","email":"joe@x.io"}}"#
        let string = #"{"action":"admin_2fa_error","username":"Joe","description":"{\"ip_address\": \"192.168.1.2\", \"factor\": \"push\", \"email\": \"joe@x.io\"}"}"#
        for json in [object, string] {
            let record = try TestSupport.normalize(json, "duo", "administrator")
            #expect(record.src.ip == "192.168.1.2")
            #expect(record.tags["factor"] == "push")
            #expect(record.actor["email"] == "joe@x.io")
            #expect(record.behavior == .authenticationMFA)
            #expect(Array(record.rawLog) == Array(json.utf8))
        }
        // A description string that is not JSON is kept only in rawLog.
        let broken = #"{"action":"user_update","description":"{not json"}"#
        let record = try TestSupport.normalize(broken, "duo", "administrator")
        #expect(record.src.ip == "")
        #expect(record.behavior == .userUpdate)
    }

    @Test func oddKeysDoNotConfuseLookups() throws {
        let json = #"{"EVENT_TYPE":"Logout","API_VERSION,USER_INITIATED_LOGOUT":"1","USER_NAME":"a@x.io","TIMESTAMP_DERIVED":"2023-03-16T21:07:47.645Z","CLIENT_IP":"198.51.100.2"}"#
        let record = try TestSupport.normalize(json, "salesforce", "eventlogfile")
        #expect(record.behavior == .authenticationLogout)
        #expect(record.actor["email"] == "a@x.io")
        #expect(record.src.ip == "198.51.100.2")
        let encoded = String(decoding: RecordEncoder.encode(record), as: UTF8.self)
        #expect(encoded.contains(#"API_VERSION,USER_INITIATED_LOGOUT"#))
    }

    /// Every documented key of every vendor set to null: nothing is read, nothing crashes.
    @Test(arguments: PropertyTests.vendorKeys)
    func nullsEverywhere(_ vendor: PropertyTests.VendorKeys) throws {
        var json = "{"
        for (index, key) in vendor.keys.enumerated() { json += (index > 0 ? "," : "") + "\"\(key)\":null" }
        json += "}"
        for stream in vendor.streams {
            let record = try TestSupport.normalize(json, vendor.sourceType, stream)
            // Snowflake's sessions, access and grants views name their rows by the view itself.
            #expect(record.eventName.isEmpty || vendor.sourceType == "duo" || (vendor.sourceType == "servicenow" && stream != "sysevent")
                    || (vendor.sourceType == "snowflake" && ["sessions", "access_history", "grants_to_users"].contains(stream)))
            #expect(record.src.ip == "")
            // No time: the time it was received, with the reason in tags (GitHub's `@timestamp` is read from a null as well).
            #expect(record.eventTime == TestSupport.receivedAt || vendor.sourceType == "github")
            #expect(record.tags[PageNormalizer.errorTag] != nil)
            #expect(record.eventID.count == 32, "null ids fall back to the content hash")
            #expect(record.actor.isEmpty)
            #expect(record.extras.count == (vendor.sourceType == "kandji" ? 10 : vendor.sourceType == "conductor-one" ? 24 : 0))
        }
    }
}
