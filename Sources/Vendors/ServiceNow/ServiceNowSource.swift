import Polling
import RelayCore

/// ServiceNow Table API: `GET {instanceURL}/api/now/table/{table}`, one stream per table
/// (`sys_audit`, `sysevent`, `sys_user_has_role`, `isc_export_event`).
///
/// - Auth: HTTP Basic (`username`, `password`: a user with the `admin` role or read ACLs on each
///   table), or OAuth client credentials (`clientID`, `clientSecret`: an OAuth application
///   registry entry; token from `{instanceURL}/oauth_token.do`, renewed on expiry).
/// - Query: `sysparm_query` orders by `sys_created_on` then `sys_id` (the encoded query's
///   `^ORDERBY…`); times are UTC `YYYY-MM-DD HH:MM:SS` with `sysparm_display_value=false`. Times have
///   one-second precision, so many rows share one: pages continue after the last row's
///   (`sys_created_on`, `sys_id`) — `sys_created_on>T^sys_created_on<TO^NQsys_created_on=T^sys_id>ID`,
///   `^NQ` being the encoded query's top-level OR — never by `sysparm_offset`, which skips or
///   repeats rows when the table changes between pages. Rows commit late (long transactions): a
///   15-minute lookback re-reads them, deduplicated by `sys_id`.
/// - A hibernating developer instance answers 200 with an HTML page: a clear error, not a parse failure.
/// - Rate limits: rules an admin defines, per hour; 429 with `X-RateLimit-Reset` (epoch seconds).
/// - Row-level read ACLs hide rows silently (the Table API answers 200 with fewer rows): the user
///   needs table read access, not only the role.
/// Docs: https://www.servicenow.com/docs/bundle/yokohama-api-reference/page/integrate/inbound-rest/concept/c_TableAPI.html
/// (Table API parameters), .../inbound-REST-API-rate-limiting.html (429, X-RateLimit-*),
/// .../use/common-ui-elements/reference/r_OpAvailableFiltersQueries.html (encoded query operators, ^NQ).
/// UNCONFIRMED: ServiceNow's retention of `sysevent` (rotated; 7 days assumed), whether every
/// instance enables the client-credentials grant (it must be turned on for the OAuth entry).
public struct ServiceNowSource: PolledVendor {
    public static let defaults = VendorDefaults(retention: .seconds(365 * 86_400), lag: .seconds(60), lookback: .seconds(900),
                                                pageSize: 1000, requestsPerSecond: 2)
    public static let tableNames = ["sys_audit", "sysevent", "sys_user_has_role", "isc_export_event"]

    public var settings: PollSettings
    var username: String?
    var password: Secret?
    var clientID: String?
    var clientSecret: Secret?
    var tables: [String]

    public init(_ section: ConfigSection) {
        let instance = section.string("instanceURL")
        settings = PollSettings(section, defaults: Self.defaults, derivedBaseURL: instance, baseURLRequired: false)
        if instance == nil && !section.has("baseURL") { section.report("instanceURL", "is required (https://INSTANCE.service-now.com)") }
        username = section.string("username")
        password = section.secret("password")
        clientID = section.string("clientID")
        clientSecret = section.secret("clientSecret")
        tables = section.has("tables") ? section.strings("tables") : Self.tableNames
        for table in tables where !Self.tableNames.contains(table) {
            section.report("tables", "\"\(table)\" is not a table this source reads (known: \(Self.tableNames.joined(separator: ", ")))")
        }
        _ = section.credentialForm([(["username", "password"], "Basic"), (["clientID", "clientSecret"], "OAuth")])
    }

    public func streams() throws -> [any VendorAPI] {
        tables.filter(Self.tableNames.contains).map { Table(baseURL: settings.baseURL, table: $0) }
    }

    public func authenticator() throws -> any Authenticator {
        if let username, let password { return BasicAuth(username: username, password: password) }
        guard let clientID, let clientSecret else { throw PollError.credential("neither username and password nor clientID and clientSecret are set") }
        let fetch = OAuth2.clientCredentials(tokenURL: "\(settings.baseURL)/oauth_token.do", clientID: clientID, authentication: .secretPost(clientSecret))
        return CachedBearerAuth(cache: TokenCache(fetch: fetch), redactions: [clientSecret.reveal()])
    }

    struct Table: VendorAPI {
        var baseURL: String
        var table: String
        var sourceType: String { "servicenow" }
        var stream: String { table }
        var permissionHint: String {
            "the user cannot read \(table): give it the admin role or read ACLs on the table (and, for OAuth, a token for that user)"
        }
        var eventsPath: [String] { ["result"] }
        var idPath: [String] { ["sys_id"] }
        var timePath: [String] { ["sys_created_on"] }
        var paging: Paging { .keyset }
        // The event queue is rotated: older rows are gone.
        var retention: Duration? { table == "sysevent" ? .seconds(7 * 86_400) : nil }

        func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            let to = Self.time(window.to)
            let order = "^ORDERBYsys_created_on^ORDERBYsys_id"
            var query = "sys_created_on>=\(Self.time(window.from))^sys_created_on<\(to)\(order)"
            if let pageToken {
                guard let after = Keyset(token: pageToken) else {
                    throw PollError.invalidRequest("the stored page token is not a (time, sys_id) keyset", endpoint: baseURL)
                }
                // Encoded query values cannot be quoted: refuse what would change the query's meaning.
                guard !(after.time + after.id).contains("^"), !(after.time + after.id).contains("=") else {
                    throw PollError.invalidRequest("a row's sys_created_on or sys_id holds an encoded-query operator", endpoint: baseURL)
                }
                query = "sys_created_on>\(after.time)^sys_created_on<\(to)^NQsys_created_on=\(after.time)^sys_id>\(after.id)^sys_created_on<\(to)\(order)"
            }
            let items = [("sysparm_query", query), ("sysparm_display_value", "false"), ("sysparm_exclude_reference_link", "true"),
                         ("sysparm_limit", String(pageSize))]
            return HTTPRequest(url: "\(baseURL)/api/now/table/\(table)?\(PercentEncoding.query(items))", headers: [("Accept", "application/json")])
        }

        func explainNonAPIAnswer(_ response: HTTPResponse) -> String? {
            guard response.header("content-type")?.lowercased().hasPrefix("application/json") != true else { return nil }
            return "the instance is hibernating or the URL is not a ServiceNow instance (it answered with a web page, not the Table API)"
        }

        /// `2026-03-01 11:59:00`: UTC, as the Table API stores it.
        static func time(_ time: Timestamp) -> String {
            String(time.wholeSeconds.description.dropLast()).replacingOccurrences(of: "T", with: " ")
        }
    }
}
