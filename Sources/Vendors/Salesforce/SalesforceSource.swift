import Foundation
import Polling
import RelayCore

/// Salesforce: SOQL through `GET {instanceURL}/services/data/{apiVersion}/query?q=…`, one stream
/// per object: `setupaudittrail` and the Real-Time Event Monitoring storage objects
/// (`loginevent`, `logoutevent`, `apievent`, …, and the threat-detection stores).
///
/// - Auth: a connected app (`clientID`) with the OAuth 2.0 JWT bearer flow (`username` + the
///   certificate's `privateKey`: RS256 assertion with iss = client id, sub = username, aud =
///   `loginURL`, 3 minutes, posted to `{loginURL}/services/oauth2/token`), or the client-credentials
///   flow (`clientSecret`, posted to `{instanceURL}/services/oauth2/token`). An expired session
///   (`INVALID_SESSION_ID`, 401) gets a new token.
/// - SetupAuditTrail (a standard object): windows on `CreatedDate`, rows ordered by (CreatedDate,
///   Id) and continued after the last row (keyset), `LIMIT pageSize`.
/// - Event storage objects are big objects: only their index (`EventDate`) can be filtered and
///   `Id` is empty, so they are read in `EventDate` windows, newest first as the index orders them,
///   following `nextRecordsUrl` until `done`, deduplicated by `EventIdentifier`; a window moves on
///   only when all its batches are committed. An object the org is not licensed for
///   (`INVALID_TYPE`) is reported once and skipped until the next start.
/// - Limits: `Sforce-Limit-Info: api-usage=used/limit` (the org's rolling 24-hour allocation) on
///   every response: auditrelay takes at most `rateShare` (default 10%) of it per day and stops
///   when the org has none left; `REQUEST_LIMIT_EXCEEDED` (403) is a rate limit, not a permission error.
/// Docs: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_query.htm
/// (query, nextRecordsUrl, Sforce-Query-Options batchSize), .../api_rest/headers_api_usage.htm
/// (Sforce-Limit-Info), https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm
/// (JWT claims), .../sf.remoteaccess_oauth_client_credentials_flow.htm,
/// .../atlas.en-us.platform_events.meta/platform_events/platform_events_objects_monitoring.htm
/// (event storage objects), .../bigobjects/big_object_querying.htm (index-only filters, empty Id).
/// UNCONFIRMED: that `FIELDS(STANDARD)` is accepted on every storage object (it is on LoginEvent
/// in Salesforce's examples), the storage objects' retention (6 months assumed).
public struct SalesforceSource: PolledVendor {
    public static let defaults = VendorDefaults(retention: .seconds(180 * 86_400), lag: .seconds(60), lookback: .seconds(900),
                                                pageSize: 2000, requestsPerSecond: 2, rateShare: 0.1)
    /// Stream name → the storage object it reads (big objects indexed on `EventDate`).
    public static let eventObjects: [String: String] = [
        "loginevent": "LoginEvent", "logoutevent": "LogoutEvent", "apievent": "ApiEvent", "reportevent": "ReportEvent",
        "listviewevent": "ListViewEvent", "urievent": "UriEvent", "lightningurievent": "LightningUriEvent",
        "identityverificationevent": "IdentityVerificationEvent", "loginasevent": "LoginAsEvent",
        "apianomalyeventstore": "ApiAnomalyEventStore", "credentialstuffingeventstore": "CredentialStuffingEventStore",
        "reportanomalyeventstore": "ReportAnomalyEventStore", "sessionhijackingeventstore": "SessionHijackingEventStore",
        "permissionseteventstore": "PermissionSetEventStore", "fileeventstore": "FileEventStore",
        "bulkapiresulteventstore": "BulkApiResultEventStore",
    ]
    public static let streamNames = ["setupaudittrail", "eventlogfile"] + eventObjects.keys.sorted()
    static let defaultStreams = ["setupaudittrail", "loginevent", "eventlogfile"]
    static let defaultEventLogTypes = ["Login", "Logout", "API", "RestApi", "Report", "URI", "LightningURI", "ApexExecution"]

    public var settings: PollSettings
    var clientID: String
    var username: String?
    var privateKey: Secret?
    var clientSecret: Secret?
    var loginURL: String
    var apiVersion: String
    var streamNames: [String]
    var eventLogTypes: [String]
    var eventLogInterval: String

    public init(_ section: ConfigSection) {
        let instance = section.string("instanceURL")
        settings = PollSettings(section, defaults: Self.defaults, derivedBaseURL: instance, baseURLRequired: false)
        if instance == nil && !section.has("baseURL") { section.report("instanceURL", "is required (your My Domain URL, https://NAME.my.salesforce.com)") }
        clientID = section.requiredString("clientID")
        username = section.string("username")
        privateKey = section.secret("privateKey")
        clientSecret = section.secret("clientSecret")
        loginURL = section.string("loginURL", default: "https://login.salesforce.com")
        while loginURL.hasSuffix("/") { loginURL.removeLast() }
        if URLParts(loginURL) == nil { section.report("loginURL", "\(section.quoted("loginURL")) is not an http(s) URL") }
        apiVersion = section.string("apiVersion", default: "v62.0")
        if apiVersion.range(of: #"^v[0-9]{2,3}\.0$"#, options: .regularExpression) == nil {
            section.report("apiVersion", "\(section.quoted("apiVersion")) is not an API version such as v62.0")
        }
        streamNames = section.has("streams") ? section.strings("streams") : Self.defaultStreams
        for stream in streamNames where !Self.streamNames.contains(stream) {
            section.report("streams", "\"\(stream)\" is not a stream (known: \(Self.streamNames.joined(separator: ", ")))")
        }
        eventLogTypes = section.has("eventLogTypes") ? section.strings("eventLogTypes") : Self.defaultEventLogTypes
        // They go into the SOQL as literals: only names are accepted.
        for type in eventLogTypes where type.isEmpty || !type.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
            section.report("eventLogTypes", "\"\(type)\" is not an EventLogFile event type (Login, API, Report, …)")
        }
        eventLogInterval = section.choice("eventLogInterval", ["Daily", "Hourly"], default: "Daily")
        if section.credentialForm([(["clientSecret"], "client credentials flow"), (["username", "privateKey"], "JWT bearer flow")]) == 1,
           let key = privateKey, (try? JWTSigningKey.pem(key.reveal())) == nil {
            section.report("privateKey", "is not a PEM RSA private key (the key of the certificate uploaded to the connected app)")
        }
    }

    public func streams() throws -> [any VendorAPI] {
        let query = "\(settings.baseURL)/services/data/\(apiVersion)/query"
        return streamNames.compactMap { name -> (any VendorAPI)? in
            if name == "setupaudittrail" { return SetupAuditTrail(queryURL: query) }
            if name == "eventlogfile" { return EventLogFile(queryURL: query, eventTypes: eventLogTypes, interval: eventLogInterval) }
            return Self.eventObjects[name].map { EventStorage(queryURL: query, stream: name, object: $0) }
        }
    }

    public func authenticator() throws -> any Authenticator {
        if let clientSecret {
            let fetch = OAuth2.clientCredentials(tokenURL: "\(settings.baseURL)/services/oauth2/token", clientID: clientID, authentication: .secretPost(clientSecret))
            return CachedBearerAuth(cache: TokenCache(fetch: fetch), redactions: [clientSecret.reveal()])
        }
        guard let username, let privateKey else { throw PollError.credential("neither username and privateKey nor clientSecret are set") }
        let key = try JWTSigningKey.pem(privateKey.reveal())
        let clientID = clientID, audience = loginURL
        let fetch = OAuth2.jwtBearer(tokenURL: "\(loginURL)/services/oauth2/token") { now in
            let seconds = now.microseconds / 1_000_000
            return try JWT.sign(claims: [("iss", .string(clientID)), ("sub", .string(username)), ("aud", .string(audience)),
                                         ("exp", .integer(seconds + 180))], key: key)
        }
        return CachedBearerAuth(cache: TokenCache(fetch: fetch), redactions: [privateKey.reveal()])
    }

    /// What every Salesforce stream shares: the query resource, errors and limits.
    protocol Query: VendorAPI {
        var queryURL: String { get }
    }

    struct SetupAuditTrail: Query {
        var queryURL: String
        var stream: String { "setupaudittrail" }
        var eventsPath: [String] { ["records"] }
        var idPath: [String] { ["Id"] }
        var timePath: [String] { ["CreatedDate"] }
        var paging: Paging { .keyset }

        func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            var conditions = "CreatedDate >= \(window.from.millisecondsDescription) AND CreatedDate < \(window.to.millisecondsDescription)"
            if let pageToken { conditions += try keysetCondition(pageToken) }
            let soql = "SELECT Id, Action, Section, CreatedDate, CreatedById, CreatedBy.Username, CreatedByContext, CreatedByIssuer, "
                + "DelegateUser, Display, ResponsibleNamespacePrefix FROM SetupAuditTrail WHERE \(conditions) ORDER BY CreatedDate, Id LIMIT \(pageSize)"
            return get(soql)
        }
    }

    /// EventLogFile: the files are listed by SOQL on (CreatedDate, Id) and each `LogFile` CSV is
    /// downloaded to disk and read page by page (`ContentListing` with `.csv`), so a file of
    /// hundreds of MB keeps memory flat; the cursor holds the rows already delivered, so a restart
    /// in the middle of a file skips them. A row's id is `<file id>:<row>` (`auditrelay.row` in
    /// the row): `REQUEST_ID` is not unique per row.
    struct EventLogFile: Query {
        var queryURL: String
        var eventTypes: [String]
        var interval: String
        var stream: String { "eventlogfile" }
        var eventsPath: [String] { ["records"] }
        var idPath: [String] { [] }
        var timePath: [String] { ["TIMESTAMP_DERIVED"] }
        var paging: Paging { .keyset }
        // Salesforce keeps event log files 30 days (1 day without the Event Monitoring licence).
        var retention: Duration? { .seconds(30 * 86_400) }
        var contents: ContentListing? {
            ContentListing(idPath: ["Id"], urlPath: ["LogFile"], createdPath: ["CreatedDate"], expirationPath: nil,
                           format: .csv(rowIDKey: "auditrelay.row"), expired: { $0.status == 404 })
        }

        func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            var conditions = "CreatedDate >= \(window.from.millisecondsDescription) AND CreatedDate < \(window.to.millisecondsDescription)"
                + " AND Interval = '\(interval)' AND EventType IN (\(eventTypes.map { "'\($0)'" }.joined(separator: ", ")))"
            if let pageToken { conditions += try keysetCondition(pageToken) }
            return get("SELECT Id, EventType, LogDate, CreatedDate, LogFile, LogFileLength, Interval FROM EventLogFile WHERE \(conditions) "
                       + "ORDER BY CreatedDate, Id LIMIT \(pageSize)")  // a full listing page means more: LIMIT is the page size
        }
    }

    struct EventStorage: Query {
        var queryURL: String
        var stream: String
        var object: String
        var eventsPath: [String] { ["records"] }
        var idPath: [String] { ["EventIdentifier"] }
        var timePath: [String] { ["EventDate"] }
        var paging: Paging { .bodyURL(["nextRecordsUrl"]) }
        var progress: StreamProgress { .windows(order: .newestFirst) }

        func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            let soql = "SELECT FIELDS(STANDARD) FROM \(object) WHERE EventDate >= \(window.from.millisecondsDescription) "
                + "AND EventDate < \(window.to.millisecondsDescription) ORDER BY EventDate DESC"
            var request = get(soql)
            // The batch size Salesforce pages a query locator by (200–2,000; a hint, not a promise).
            request.setHeader("Sforce-Query-Options", "batchSize=\(max(200, min(pageSize, 2000)))")
            return request
        }

        func rejectsCursor(_ response: HTTPResponse) -> Bool {
            // A query locator is dropped after 15 minutes unused, or once too many are open.
            SalesforceSource.errorCodes(response).contains("INVALID_QUERY_LOCATOR") || [404, 410].contains(response.status)
        }

        func unavailableStream(_ response: HTTPResponse) -> String? {
            guard SalesforceSource.errorCodes(response).contains("INVALID_TYPE") else { return nil }
            return "the org has no \(object) (Event Monitoring or the Threat Detection licence is needed for it)"
        }
    }

    /// The `errorCode`s of a REST error answer (`[{"message", "errorCode"}]`).
    static func errorCodes(_ response: HTTPResponse) -> [String] {
        let document = JSONDocument()
        guard let root = try? document.parse(response.body) else { return [] }
        let list = root.kind == .array ? Array(root.elements) : [root]
        return list.compactMap { $0["errorCode"]?.string ?? $0["error"]?.string }
    }
}

extension SalesforceSource.Query {
    var sourceType: String { "salesforce" }
    var permissionHint: String {
        "the user cannot read \(stream): it needs API Enabled, View Setup and Configuration (SetupAuditTrail) or View Real-Time Event Monitoring Data (event objects), and the connected app must be approved for it"
    }

    /// ` AND (CreatedDate > T OR (CreatedDate = T AND Id > 'X'))` after a keyset page token.
    func keysetCondition(_ pageToken: String) throws(PollError) -> String {
        guard let after = Keyset(token: pageToken), let time = Timestamp(parsing: after.time),
              after.id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw PollError.invalidRequest("the stored page token is not a (CreatedDate, Id) keyset", endpoint: queryURL)
        }
        let at = time.millisecondsDescription
        return " AND (CreatedDate > \(at) OR (CreatedDate = \(at) AND Id > '\(after.id)'))"
    }

    func get(_ soql: String) -> HTTPRequest {
        HTTPRequest(url: "\(queryURL)?\(PercentEncoding.query([("q", soql)]))", headers: [("Accept", "application/json")])
    }

    /// `Sforce-Limit-Info: api-usage=used/limit`, counted per UTC day (Salesforce's allocation is a
    /// rolling 24 hours; a fixed day keeps our share of it steady). `REQUEST_LIMIT_EXCEEDED` means
    /// nothing is left.
    func rateLimitReport(_ response: HTTPResponse, now: Timestamp) -> RateLimitReport? {
        let exceeded = response.status == 403 && SalesforceSource.errorCodes(response).contains("REQUEST_LIMIT_EXCEEDED")
        let day = now.microseconds / 86_400_000_000
        let reset = Timestamp(microseconds: (day + 1) * 86_400_000_000)
        guard let header = response.header("sforce-limit-info"), let usage = header.split(separator: ",").first(where: { $0.contains("api-usage=") }) else {
            return exceeded ? RateLimitReport(limit: 1, remaining: 0, reset: now.plus(.seconds(3600))) : nil
        }
        let numbers = usage.split(separator: "=").last?.split(separator: "/").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? []
        guard numbers.count == 2, numbers[1] > 0 else { return nil }
        return RateLimitReport(limit: numbers[1], remaining: exceeded ? 0 : max(0, numbers[1] - numbers[0]), reset: reset)
    }

    func explainFailure(_ response: HTTPResponse, now: Timestamp) -> String? {
        let codes = SalesforceSource.errorCodes(response)
        if codes.contains("API_DISABLED_FOR_ORG") { return "the org's edition has no API access (API Enabled is needed)" }
        if codes.contains("INSUFFICIENT_ACCESS") { return permissionHint }
        return nil
    }
}
