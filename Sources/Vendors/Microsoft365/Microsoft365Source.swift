import Crypto
import Foundation
import Polling
import RelayCore

/// Microsoft 365 (Office 365 Management Activity API): one stream per content type
/// (`Audit.AzureActiveDirectory`, `Audit.Exchange`, `Audit.SharePoint`, `Audit.General`, `DLP.All`).
///
/// - Auth: an Entra app with the Office 365 Management APIs application permissions
///   `ActivityFeed.Read` (and `ActivityFeed.ReadDlp` for `DLP.All`), admin-consented; the
///   client-credentials grant at `{login}/{tenantID}/oauth2/v2.0/token`, scope `{manage}/.default`,
///   with the client secret or a certificate (an RS256 client assertion with the certificate's
///   SHA-1 thumbprint as `x5t`).
/// - Subscriptions: `POST …/subscriptions/start?contentType=…` once per content type at start-up
///   (`AF20024`, already enabled, is success); a listing answered `AF20022`/`AF20023` (no or a
///   disabled subscription) starts it again, logged and counted.
/// - Listing (list-then-fetch, see `ContentListing`): `GET …/subscriptions/content?contentType&startTime&endTime`
///   in windows of at most 24 h and never more than 7 days back, following the `NextPageUri`
///   header; each blob's `contentUri` is fetched with the same token, 4 at a time. Windows are on
///   `contentCreated`; Microsoft publishes blobs late and lists them again in overlapping windows,
///   so a 2-hour lookback re-lists recent windows, blob ids already fetched are remembered in the
///   cursor, and records are deduplicated by `Id`. A blob that expired (`contentExpiration`,
///   `AF20051`) before it could be fetched is a gap record.
/// - Throttling: 429 (`AF429`), with `Retry-After` when sent; `PublisherIdentifier` (the tenant)
///   puts the requests on the tenant's own quota, which all content types share.
/// Docs: https://learn.microsoft.com/office/office-365-management-api/office-365-management-activity-api-reference
/// (operations, NextPageUri, the 24-hour/7-day window rule, error codes AF20022–AF20024, AF20051, AF429),
/// .../get-started-with-office-365-management-apis (permissions, certificate credentials, cloud endpoints).
/// UNCONFIRMED: how late blobs are listed (2 h lookback assumed), throttling numbers.
public struct Microsoft365Source: PolledVendor {
    public static let defaults = VendorDefaults(retention: .seconds(7 * 86_400), lag: .seconds(60), lookback: .seconds(7200),
                                                pageSize: 1000, requestsPerSecond: 2)
    public static let contentTypeNames = ["Audit.AzureActiveDirectory", "Audit.Exchange", "Audit.SharePoint", "Audit.General", "DLP.All"]

    /// The login and management hosts of each Microsoft cloud.
    static let clouds: [String: (login: String, manage: String)] = [
        "commercial": ("https://login.microsoftonline.com", "https://manage.office.com"),
        "gcc": ("https://login.microsoftonline.com", "https://manage-gcc.office.com"),
        "gcc-high": ("https://login.microsoftonline.us", "https://manage.office365.us"),
        "dod": ("https://login.microsoftonline.us", "https://manage.protection.apps.mil"),
    ]

    public var settings: PollSettings
    var tenantID: String
    var clientID: String
    var clientSecret: Secret?
    var certificate: String?
    var privateKey: Secret?
    var contentTypes: [String]
    var tokenURL: String
    var scope: String

    public init(_ section: ConfigSection) {
        let cloud = section.choice("cloud", Self.clouds.keys.sorted(), default: "commercial")
        let hosts = Self.clouds[cloud] ?? ("https://login.microsoftonline.com", "https://manage.office.com")
        settings = PollSettings(section, defaults: Self.defaults, derivedBaseURL: hosts.manage)
        tenantID = section.requiredString("tenantID")
        clientID = section.requiredString("clientID")
        clientSecret = section.secret("clientSecret")
        certificate = section.string("certificate")
        privateKey = section.secret("privateKey")
        contentTypes = section.has("contentTypes") ? section.strings("contentTypes") : Self.contentTypeNames
        for contentType in contentTypes where !Self.contentTypeNames.contains(contentType) {
            section.report("contentTypes", "\"\(contentType)\" is not a content type (known: \(Self.contentTypeNames.joined(separator: ", ")))")
        }
        tokenURL = section.string("tokenURL", default: "\(hosts.login)/\(PercentEncoding.encode(tenantID))/oauth2/v2.0/token")
        if URLParts(tokenURL) == nil { section.report("tokenURL", "\(section.quoted("tokenURL")) is not an http(s) URL") }
        scope = "\(hosts.manage)/.default"
        if section.credentialForm([(["clientSecret"], "the app's client secret"), (["certificate", "privateKey"], "a certificate uploaded to the app")]) == 1,
           let certificate, let key = privateKey {
            if (try? Self.thumbprint(certificatePEM: certificate)) == nil {
                section.report("certificate", "is not a PEM X.509 certificate (the one uploaded to the app registration)")
            }
            if (try? JWTSigningKey.pem(key.reveal())) == nil {
                section.report("privateKey", "is not a PEM RSA private key (the certificate's key, PKCS#8 or PKCS#1)")
            }
        }
    }

    public func streams() throws -> [any VendorAPI] {
        contentTypes.filter(Self.contentTypeNames.contains).map { ActivityFeed(baseURL: settings.baseURL, tenantID: tenantID, contentType: $0) }
    }

    public func authenticator() throws -> any Authenticator {
        let authentication: OAuth2.ClientAuthentication
        var redactions: [String] = []
        if let clientSecret {
            authentication = .secretPost(clientSecret)
            redactions.append(clientSecret.reveal())
        } else if let certificate, let privateKey {
            var assertion = JWTClientAssertion(clientID: clientID, audience: tokenURL, key: try JWTSigningKey.pem(privateKey.reveal()))
            assertion.headerFields = [("x5t", .string(try Self.thumbprint(certificatePEM: certificate)))]
            authentication = .assertion(assertion)
            redactions.append(privateKey.reveal())
        } else {
            throw PollError.credential("neither clientSecret nor certificate and privateKey are set")
        }
        let fetch = OAuth2.clientCredentials(tokenURL: tokenURL, clientID: clientID, authentication: authentication, scope: scope)
        return CachedBearerAuth(cache: TokenCache(fetch: fetch), redactions: redactions)
    }

    /// The certificate's SHA-1 thumbprint, base64url: the `x5t` Entra matches the uploaded certificate by.
    static func thumbprint(certificatePEM: String) throws(PollError) -> String {
        let lines = certificatePEM.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(of: "-----BEGIN CERTIFICATE-----"),
              let end = lines[begin...].firstIndex(of: "-----END CERTIFICATE-----"),
              let der = Data(base64Encoded: lines[(begin + 1)..<end].joined()), !der.isEmpty else {
            throw PollError.credential("the certificate is not a PEM X.509 certificate")
        }
        return Base64URL.encode(Array(Insecure.SHA1.hash(data: der)))
    }

    /// The answer's Management API error code (`{"error":{"code":"AF20024","message":…}}`).
    static func errorCode(_ response: HTTPResponse) -> String? {
        let document = JSONDocument()
        guard let root = try? document.parse(response.body), let code = root["error"]?["code"]?.string else { return nil }
        // Some codes come with their message appended ("AF50000.  An internal server error occurred.").
        return String(code.prefix { $0.isLetter || $0.isNumber })
    }

    struct ActivityFeed: VendorAPI {
        var baseURL: String
        var tenantID: String
        var contentType: String
        var sourceType: String { "microsoft-365" }
        var stream: String { contentType }
        var permissionHint: String {
            "the app cannot read the activity feed: grant it the Office 365 Management APIs application permission ActivityFeed.Read (ActivityFeed.ReadDlp for DLP.All) with admin consent, and turn on audit logging in Microsoft Purview"
        }
        var eventsPath: [String] { [] }
        var idPath: [String] { ["Id"] }
        var timePath: [String] { ["CreationTime"] }
        var paging: Paging { .headerURL("NextPageUri") }
        var maximumWindow: Duration? { .seconds(86_400) }
        var feed: String { "\(baseURL)/api/v1.0/\(PercentEncoding.encode(tenantID))/activity/feed" }

        var contents: ContentListing? {
            ContentListing(idPath: ["contentId"], urlPath: ["contentUri"], createdPath: ["contentCreated"], expirationPath: ["contentExpiration"],
                           parallel: 4, expired: { ["AF20051", "AF20050"].contains(Microsoft365Source.errorCode($0) ?? "") })
        }

        var setup: StreamSetup? {
            let query = PercentEncoding.query([("contentType", contentType), ("PublisherIdentifier", tenantID)])
            return StreamSetup(name: "subscription to \(contentType)",
                               request: HTTPRequest(method: .post, url: "\(feed)/subscriptions/start?\(query)",
                                                    headers: [("Accept", "application/json"), ("Content-Type", "application/json")], body: Array("{}".utf8)),
                               alreadyDone: { Microsoft365Source.errorCode($0) == "AF20024" },
                               lost: { ["AF20022", "AF20023"].contains(Microsoft365Source.errorCode($0) ?? "") })
        }

        func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            // Microsoft takes `YYYY-MM-DDTHH:MM:SS` in UTC.
            let query = PercentEncoding.query([("contentType", contentType), ("startTime", String(window.from.wholeSeconds.description.dropLast())),
                                               ("endTime", String(window.to.wholeSeconds.description.dropLast())), ("PublisherIdentifier", tenantID)])
            return HTTPRequest(url: "\(feed)/subscriptions/content?\(query)", headers: [("Accept", "application/json")])
        }
    }
}
