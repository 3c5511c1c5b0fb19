import Polling
import RelayCore

/// Google Workspace Admin SDK Reports API: `GET {baseURL}/admin/reports/v1/activity/users/all/applications/{application}`,
/// one stream per application (login, admin, token, saml, drive, …), each with its own cursor.
///
/// - Auth: a service account with domain-wide delegation for the scope
///   `https://www.googleapis.com/auth/admin.reports.audit.readonly`, impersonating `subject` (an
///   admin with the Reports privilege): the OAuth 2.0 JWT-bearer grant at `tokenURL` with an RS256
///   assertion (`iss` the service account, `sub` the admin, `scope`, `aud` the token URL, ≤ 1 h),
///   signed with the key from the service account's JSON key file (`serviceAccountKey`, a secret).
/// - Window: `startTime`/`endTime` (RFC 3339), `maxResults` ≤ 1,000, `pageToken` from
///   `nextPageToken`. Newest first: a window's progress moves only when all its pages are committed.
/// - Google publishes events late (hours for some applications): a 2-hour lookback re-reads them,
///   deduplicated by the activity's id.
/// Docs: https://developers.google.com/admin-sdk/reports/reference/rest/v1/activities/list,
/// https://developers.google.com/identity/protocols/oauth2/service-account,
/// https://support.google.com/a/answer/7061566 (data retention and lag times).
/// UNCONFIRMED: the lag per application (one lookback for all here; `streamSettings` sets one per application).
public struct GoogleWorkspaceSource: PolledVendor {
    public static let defaults = VendorDefaults(baseURL: "https://admin.googleapis.com", retention: .seconds(180 * 86_400), lag: .seconds(60),
                                                lookback: .seconds(7200), pageSize: 1000, requestsPerSecond: 2)
    public static let applicationNames = ["login", "admin", "token", "saml", "drive", "groups", "user_accounts", "access_transparency",
                                          "context_aware_access", "mobile", "rules"]
    static let scope = "https://www.googleapis.com/auth/admin.reports.audit.readonly"

    public var settings: PollSettings
    var serviceAccountKey: Secret
    var subject: String
    var customerID: String
    var applications: [String]
    var tokenURL: String

    public init(_ section: ConfigSection) {
        settings = PollSettings(section, defaults: Self.defaults)
        serviceAccountKey = section.requiredSecret("serviceAccountKey")
        subject = section.requiredString("subject")
        customerID = section.string("customerID", default: "my_customer")
        applications = section.has("applications") ? section.strings("applications") : Self.applicationNames
        for application in applications where !Self.applicationNames.contains(application) {
            section.report("applications", "\"\(application)\" is not a Reports API application (known: \(Self.applicationNames.joined(separator: ", ")))")
        }
        tokenURL = section.string("tokenURL", default: "https://oauth2.googleapis.com/token")
        if URLParts(tokenURL) == nil { section.report("tokenURL", "\(section.quoted("tokenURL")) is not an http(s) URL") }
        if !serviceAccountKey.isEmpty, (try? Self.serviceAccount(serviceAccountKey)) == nil {
            section.report("serviceAccountKey", "is not a service account JSON key file (with client_email and a PEM private_key)")
        }
    }

    /// The service account's email and signing key from its JSON key file. Errors never quote the key.
    static func serviceAccount(_ key: Secret) throws(PollError) -> (email: String, key: JWTSigningKey) {
        let document = JSONDocument()
        guard let root = try? document.parse(Array(key.reveal().utf8)), let email = root["client_email"]?.string, !email.isEmpty,
              let pem = root["private_key"]?.string else {
            throw PollError.credential("the service account key is not a JSON key file with client_email and private_key")
        }
        return (email, try JWTSigningKey.pem(pem))
    }

    public func streams() throws -> [any VendorAPI] {
        applications.filter(Self.applicationNames.contains).map { Activities(baseURL: settings.baseURL, application: $0, customerID: customerID) }
    }

    public func authenticator() throws -> any Authenticator {
        let (email, key) = try Self.serviceAccount(serviceAccountKey)
        let tokenURL = tokenURL, subject = subject
        let cache = TokenCache(fetch: OAuth2.jwtBearer(tokenURL: tokenURL) { now in
            let seconds = now.microseconds / 1_000_000
            return try JWT.sign(claims: [("iss", .string(email)), ("sub", .string(subject)), ("scope", .string(Self.scope)),
                                         ("aud", .string(tokenURL)), ("iat", .integer(seconds)), ("exp", .integer(seconds + 3600))], key: key)
        })
        return CachedBearerAuth(cache: cache, redactions: [serviceAccountKey.reveal()])
    }

    struct Activities: VendorAPI {
        var baseURL: String
        var application: String
        var customerID: String
        var sourceType: String { "google-workspace" }
        var stream: String { application }
        var permissionHint: String {
            "the service account cannot read reports: grant it domain-wide delegation for admin.reports.audit.readonly and impersonate an admin with the Reports privilege (subject)"
        }
        var eventsPath: [String] { ["items"] }
        var idPath: [String] { ["id", "uniqueQualifier"] }
        var timePath: [String] { ["id", "time"] }
        var paging: Paging { .bodyToken([["nextPageToken"]]) }
        var progress: StreamProgress { .windows(order: .newestFirst) }

        func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            var items = [("startTime", window.from.millisecondsDescription), ("endTime", window.to.millisecondsDescription),
                         ("maxResults", String(pageSize)), ("customerId", customerID)]
            if let pageToken { items.append(("pageToken", pageToken)) }
            return HTTPRequest(url: "\(baseURL)/admin/reports/v1/activity/users/all/applications/\(application)?\(PercentEncoding.query(items))",
                               headers: [("Accept", "application/json")])
        }
    }
}
