import Crypto
import _CryptoExtras
import Foundation
import Polling
import RelayCore

/// Snowflake `SNOWFLAKE.ACCOUNT_USAGE` views through the SQL API, one stream per view:
/// `login_history`, `query_history` (the default two), `sessions`, `access_history`, `grants_to_users`.
///
/// - Auth: key-pair JWT. RS256 with the user's private key; `iss` = `ACCOUNT.USER.SHA256:<base64
///   SHA-256 of the public key's DER SubjectPublicKeyInfo>` (what `DESCRIBE USER` shows as
///   `RSA_PUBLIC_KEY_FP`), `sub` = `ACCOUNT.USER`, `iat`, `exp` 59 minutes later (Snowflake allows
///   at most one hour); ACCOUNT upper-cased and, for an account locator, without its region/cloud
///   suffix (`xy12345.us-east-2.aws` → `XY12345`); USER upper-cased. Sent as `Authorization: Bearer
///   <jwt>` with `X-Snowflake-Authorization-Token-Type: KEYPAIR_JWT`. There is no token endpoint:
///   the JWT is signed again before it expires and after a 401 (390144 "JWT token is invalid").
/// - Query: `POST /api/v2/statements` with the statement, `database: SNOWFLAKE`, `schema:
///   ACCOUNT_USAGE`, `warehouse`, `role`, `timeout` and `bindings`: every window bound and keyset
///   value is a `?` bind variable (TEXT, read with `TO_TIMESTAMP_TZ`, or FIXED for numeric ids),
///   never SQL text built from data. Rows `ORDER BY (time, id) LIMIT pageSize`; a full page
///   continues after its last row (`Paging.keyset`), so rows sharing one timestamp are neither
///   skipped nor repeated.
/// - Answers: 200 with a ResultSet; 202 (execution past 45 s) with `statementHandle` and
///   `statementStatusUrl`, polled until 200; the first partition is inline in `data`, the others
///   are `GET /api/v2/statements/{handle}?partition=N` (`resultSetMetaData.partitionInfo`). Rows
///   are arrays of strings typed by `rowType`; `SnowflakeRows` turns them into objects keyed by
///   the upper-case column names the normalizer reads, with numbers, booleans, RFC 3339 times and
///   embedded VARIANT/OBJECT/ARRAY JSON. The page is handed to the kit as `{"rows":[…]}`.
/// - Errors: 422 with code 002003 ("Object … does not exist or not authorized") is the role
///   lacking access: reported as a permission problem naming the grant. 422 with a value that
///   cannot be read as a timestamp or number (100035/100038) on a request carrying a stored keyset
///   is a rejected cursor.
/// - Latency: ACCOUNT_USAGE views fill in 45 minutes to 3 hours late, by view; each view's `lag`
///   (never ask for newer rows) and `lookback` (re-read on every poll for rows later still, deduplicated
///   by id) default to its documented latency (`View.latency`). A source-level `lag`/`lookback`
///   applies to every view; `streamSettings` sets one view's.
/// Docs: https://docs.snowflake.com/en/developer-guide/sql-api/authenticating (KEYPAIR_JWT header,
/// iss/sub, SHA256: fingerprint, account locator without region, upper case, exp ≤ 1 h),
/// .../sql-api/submitting-requests (body fields, bindings of type and value, async), .../sql-api/handling-responses
/// (202 after 45 s, statementStatusUrl, partitions, jsonv2 cells: numbers and epoch-second timestamps as
/// strings, TIMESTAMP_TZ with an offset suffix), https://docs.snowflake.com/en/sql-reference/account-usage
/// (45 min–3 h, 365 days) and the view pages (LOGIN_HISTORY and GRANTS_TO_USERS up to 2 h, SESSIONS up to 3 h).
/// https://docs.snowflake.com/sql-reference/snowflake-db-roles (ACCESS_HISTORY: GOVERNANCE_VIEWER).
/// UNCONFIRMED: QUERY_HISTORY's 45 minutes and ACCESS_HISTORY's 3 hours (taken from the range's ends),
/// the exact 401 code of an expired JWT (390144 assumed), the database role of the other four views
/// (SECURITY_VIEWER for logins, sessions and grants, GOVERNANCE_VIEWER for queries), the bind type for
/// timestamps (times are bound as TEXT and read with TO_TIMESTAMP_TZ, which avoids it), SQL API throttling figures.
public struct SnowflakeSource: PolledVendor {
    public static let defaults = VendorDefaults(retention: .seconds(365 * 86_400), lag: .seconds(45 * 60), lookback: .seconds(45 * 60),
                                                pageSize: 10_000, requestsPerSecond: 2)

    /// One ACCOUNT_USAGE view read as a stream: its keyset columns and documented latency.
    public struct View: Sendable {
        public var stream: String
        public var table: String
        public var timeColumn: String
        /// The tie-break id column, or for GRANTS_TO_USERS (which has none) a composite one.
        public var idColumn: String
        /// How the id is computed when it is not a column of the view (selected as `idColumn`).
        var idExpression: String?
        var idIsNumber: Bool
        public var latency: Duration
    }

    public static let views: [View] = [
        View(stream: "login_history", table: "LOGIN_HISTORY", timeColumn: "EVENT_TIMESTAMP", idColumn: "EVENT_ID", idIsNumber: true, latency: .seconds(120 * 60)),
        View(stream: "query_history", table: "QUERY_HISTORY", timeColumn: "START_TIME", idColumn: "QUERY_ID", idIsNumber: false, latency: .seconds(45 * 60)),
        View(stream: "sessions", table: "SESSIONS", timeColumn: "CREATED_ON", idColumn: "SESSION_ID", idIsNumber: true, latency: .seconds(180 * 60)),
        View(stream: "access_history", table: "ACCESS_HISTORY", timeColumn: "QUERY_START_TIME", idColumn: "QUERY_ID", idIsNumber: false, latency: .seconds(180 * 60)),
        // A grant row has no id: the grantee and role identify it among grants created at the same
        // time (a regrant after a revoke is a new row with a new CREATED_ON).
        View(stream: "grants_to_users", table: "GRANTS_TO_USERS", timeColumn: "CREATED_ON", idColumn: "GRANT_KEY",
             idExpression: "GRANTEE_NAME || '/' || ROLE", idIsNumber: false, latency: .seconds(120 * 60)),
    ]
    public static var streamNames: [String] { views.map(\.stream) }

    public var settings: PollSettings
    var account: String
    var user: String
    var privateKey: Secret
    var passphrase: Secret?
    var role: String
    var warehouse: String
    var streamsToRead: [String]
    var statementTimeout: Int

    public init(_ section: ConfigSection) {
        account = section.requiredString("account")
        settings = PollSettings(section, defaults: Self.defaults, derivedBaseURL: account.isEmpty ? nil : Self.defaultBaseURL(account: account))
        user = section.requiredString("user")
        privateKey = section.requiredSecret("privateKey")
        role = section.requiredString("role")
        warehouse = section.requiredString("warehouse")
        statementTimeout = section.integer("statementTimeout", default: 600, range: 10...86_400)
        streamsToRead = section.has("streams") ? section.strings("streams") : ["login_history", "query_history"]
        for name in streamsToRead where !Self.streamNames.contains(name) {
            section.report("streams", "\"\(name)\" is not a view this source reads (known: \(Self.streamNames.joined(separator: ", ")))")
        }
        if streamsToRead.isEmpty { section.report("streams", "name at least one view") }
        if !section.has("interval") { settings.interval = .seconds(300) }
        // Each view's documented latency, unless the source sets one lag/lookback for all.
        for view in Self.views where streamsToRead.contains(view.stream) {
            var timing = settings.streamTimings[view.stream] ?? PollSettings.StreamTiming()
            if timing.lag == nil, !section.has("lag") { timing.lag = view.latency }
            if timing.lookback == nil, !section.has("lookback") { timing.lookback = view.latency }
            settings.streamTimings[view.stream] = timing
        }
        passphrase = section.secret("privateKeyPassphrase")
        if !privateKey.reveal().isEmpty, let problem = Self.keyProblem(pem: privateKey.reveal(), passphrase: passphrase) {
            section.report(passphrase == nil ? "privateKey" : "privateKeyPassphrase", problem)
        }
    }

    /// `https://<account>.snowflakecomputing.com`; an account name's underscores are hyphens in host names.
    static func defaultBaseURL(account: String) -> String {
        "https://\(account.lowercased().replacingOccurrences(of: "_", with: "-")).snowflakecomputing.com"
    }

    public func streams() throws -> [any VendorAPI] {
        Self.views.filter { streamsToRead.contains($0.stream) }.map {
            ViewQuery(baseURL: settings.baseURL, view: $0, role: role, warehouse: warehouse, timeout: statementTimeout)
        }
    }

    public func authenticator() throws -> any Authenticator {
        let key = try Self.signingKey(pem: privateKey.reveal(), passphrase: passphrase)
        return KeyPairJWTAuth(issuer: try Self.issuer(account: account, user: user, publicKeyDER: Array(key.publicKey.derRepresentation)),
                              subject: "\(Self.jwtAccount(account)).\(user.uppercased())", key: key, redactions: [privateKey.reveal()])
    }

    // MARK: - Key pair

    /// The RSA private key from a PEM (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`), or an
    /// encrypted one (`ENCRYPTED PRIVATE KEY`, as `openssl pkcs8 -topk8 -v2 aes256` writes it)
    /// with `privateKeyPassphrase`, decrypted in memory.
    static func signingKey(pem: String, passphrase: Secret?) throws(PollError) -> _RSA.Signing.PrivateKey {
        if let problem = keyProblem(pem: pem, passphrase: passphrase) { throw PollError.credential("privateKey " + problem) }
        let plain = EncryptedPrivateKey.isEncrypted(pem) ? try EncryptedPrivateKey.decrypt(pem, passphrase: passphrase ?? Secret("")).reveal() : pem
        guard let key = try? _RSA.Signing.PrivateKey(pemRepresentation: plain) else { throw PollError.credential("privateKey is not readable") }
        return key
    }

    /// What is wrong with the key, in words that never quote it or the passphrase; nil when it is a usable RSA key.
    static func keyProblem(pem: String, passphrase: Secret?) -> String? {
        var plain = pem
        if EncryptedPrivateKey.isEncrypted(pem) {
            guard let passphrase else { return "is encrypted: set privateKeyPassphrase (a secret) too, or give the key unencrypted" }
            do {
                plain = try EncryptedPrivateKey.decrypt(pem, passphrase: passphrase).reveal()
            } catch {
                return "cannot be decrypted with this privateKeyPassphrase (wrong passphrase, or not a PEM private key)"
            }
        }
        return (try? _RSA.Signing.PrivateKey(pemRepresentation: plain)) == nil
            ? "is not a PEM RSA private key (PKCS#8 PRIVATE KEY or PKCS#1 RSA PRIVATE KEY)" : nil
    }

    /// The account as the JWT names it: upper case, and an account locator's region and cloud
    /// (`xy12345.us-east-2.aws`) left out; an `org-account` name is kept whole. A pasted host name
    /// (`…snowflakecomputing.com`) is reduced the same way.
    static func jwtAccount(_ account: String) -> String {
        var text = account.trimmingCharacters(in: .whitespaces)
        if let dot = text.firstIndex(of: ".") { text = String(text[..<dot]) }
        return text.uppercased()
    }

    /// `ACCOUNT.USER.SHA256:<base64 of SHA-256 over the public key's DER SubjectPublicKeyInfo>`.
    static func issuer(account: String, user: String, publicKeyDER: [UInt8]) throws(PollError) -> String {
        "\(jwtAccount(account)).\(user.uppercased()).SHA256:\(Data(SHA256.hash(data: publicKeyDER)).base64EncodedString())"
    }

    // MARK: - Errors

    /// Snowflake's error `code` (`002003`, `390144`) and `message` from an answer's body.
    static func error(in response: HTTPResponse) -> (code: String, message: String)? {
        guard response.body.first == UInt8(ascii: "{") else { return nil }
        let document = JSONDocument()
        guard let root = try? document.parse(response.body), let code = root["code"]?.text else { return nil }
        return (code, root["message"]?.string ?? "")
    }

    /// The views' database roles: SECURITY_VIEWER covers logins, sessions and grants;
    /// GOVERNANCE_VIEWER covers query and access history.
    static func databaseRole(for table: String) -> String {
        ["QUERY_HISTORY", "ACCESS_HISTORY"].contains(table) ? "GOVERNANCE_VIEWER" : "SECURITY_VIEWER"
    }

    struct ViewQuery: VendorAPI {
        var baseURL: String
        var view: View
        var role: String
        var warehouse: String
        var timeout: Int

        var sourceType: String { "snowflake" }
        var stream: String { view.stream }
        var permissionHint: String {
            "the role cannot read SNOWFLAKE.ACCOUNT_USAGE.\(view.table): grant the role \(role) IMPORTED PRIVILEGES on database SNOWFLAKE, or the database role SNOWFLAKE.\(SnowflakeSource.databaseRole(for: view.table)), and USAGE on warehouse \(warehouse)"
        }
        var eventsPath: [String] { ["rows"] }
        var idPath: [String] { [view.idColumn] }
        var timePath: [String] { [view.timeColumn] }
        var paging: Paging { .keyset }
        var statementsURL: String { "\(baseURL)/api/v2/statements" }

        /// A window's page: rows from `window.from` up to (not including) `window.to`, after the keyset.
        func request(window: PollWindow, pageToken: String?, pageSize: Int) throws(PollError) -> HTTPRequest {
            let time = view.timeColumn
            let id = view.idExpression ?? view.idColumn
            var bindings: [(type: String, value: String)] = [("TEXT", window.from.wholeSeconds.description), ("TEXT", window.to.wholeSeconds.description)]
            var statement = "SELECT *\(view.idExpression.map { ", \($0) AS \(view.idColumn)" } ?? "") FROM \(view.table)"
                + " WHERE \(time) >= TO_TIMESTAMP_TZ(?) AND \(time) < TO_TIMESTAMP_TZ(?)"
            if let pageToken {
                guard let keyset = Keyset(token: pageToken) else {
                    throw PollError.invalidRequest("the stored page token is not a (time, id) keyset", endpoint: statementsURL)
                }
                statement += " AND (\(time) > TO_TIMESTAMP_TZ(?) OR (\(time) = TO_TIMESTAMP_TZ(?) AND \(id) > ?))"
                bindings += [("TEXT", keyset.time), ("TEXT", keyset.time), (view.idIsNumber ? "FIXED" : "TEXT", keyset.id)]
            }
            // The page size is our own integer, not data: a literal is safe.
            statement += " ORDER BY \(time), \(id) LIMIT \(pageSize)"

            var writer = JSONWriter(capacity: 512)
            writer.raw("{\"statement\":")
            writer.string(statement)
            writer.raw(",\"timeout\":")
            writer.integer(timeout)
            writer.raw(",\"database\":\"SNOWFLAKE\",\"schema\":\"ACCOUNT_USAGE\",\"warehouse\":")
            writer.string(warehouse)
            writer.raw(",\"role\":")
            writer.string(role)
            writer.raw(",\"bindings\":{")
            for (index, binding) in bindings.enumerated() {
                if index > 0 { writer.raw(UInt8(ascii: ",")) }
                writer.string(String(index + 1))
                writer.raw(":{\"type\":")
                writer.string(binding.type)
                writer.raw(",\"value\":")
                writer.string(binding.value)
                writer.raw(UInt8(ascii: "}"))
            }
            writer.raw("}}")
            return HTTPRequest(method: .post, url: statementsURL, headers: [("Accept", "application/json"), ("Content-Type", "application/json")],
                               body: writer.bytes)
        }

        var pageExchange: PageExchange? {
            let baseURL = baseURL
            return PageExchange { request, send in
                try await SnowflakeStatement.run(request, baseURL: baseURL, send: send)
            }
        }

        func failureStatus(in response: HTTPResponse) -> Int? {
            // A role that cannot see the view is told "does not exist or not authorized" (002003).
            guard response.status == 422, SnowflakeSource.error(in: response)?.code == "002003" else { return nil }
            return 403
        }

        func rejectsCursor(_ response: HTTPResponse) -> Bool {
            // A stored keyset value Snowflake cannot read as a timestamp (100035) or number (100038).
            guard response.status == 422 || response.status == 400 else { return false }
            return ["100035", "100038"].contains(SnowflakeSource.error(in: response)?.code ?? "")
        }

        func explainFailure(_ response: HTTPResponse, now: Timestamp) -> String? {
            guard let (code, message) = SnowflakeSource.error(in: response) else { return nil }
            switch code {
            case "002003":
                return permissionHint
            case "390144", "390318", "390400", "394304":
                return "Snowflake refused the key-pair JWT (\(code): \(message.prefix(120))): check that the public key set with ALTER USER … SET RSA_PUBLIC_KEY pairs with privateKey, and that account and user are right"
            case "390189", "390201", "002043":
                return "Snowflake cannot use the configured role, warehouse or database (\(code): \(message.prefix(160))): check role and warehouse, and that the user has been granted them"
            default:
                return response.status == 422 ? "the statement failed (\(code): \(message.prefix(200)))" : nil
            }
        }
    }
}

/// The key-pair JWT on every request: `Authorization: Bearer <jwt>` and the token type header.
/// The JWT is self-signed, so "renewing" it is signing a new one (the `TokenCache` does so a minute
/// before it expires and after a 401).
struct KeyPairJWTAuth: Authenticator {
    static let lifetime = Duration.seconds(59 * 60)
    let bearer: CachedBearerAuth

    init(issuer: String, subject: String, key: _RSA.Signing.PrivateKey, redactions: [String]) {
        let signing = JWTSigningKey.rs256(key)
        let cache = TokenCache(defaultLifetime: Self.lifetime) { context in
            let seconds = context.clock.now().microseconds / 1_000_000
            let jwt = try JWT.sign(claims: [("iss", .string(issuer)), ("sub", .string(subject)), ("iat", .integer(seconds)),
                                            ("exp", .integer(seconds + Int64(Self.lifetime.seconds)))], key: signing)
            return IssuedToken(accessToken: Secret(jwt), expiresIn: Self.lifetime)
        }
        bearer = CachedBearerAuth(cache: cache, redactions: redactions)
    }

    func authorize(_ request: inout HTTPRequest, context: AuthContext) async throws {
        try await bearer.authorize(&request, context: context)
        request.setHeader("X-Snowflake-Authorization-Token-Type", "KEYPAIR_JWT")
    }

    func invalidate() async -> Bool { await bearer.invalidate() }
    var redactions: [String] { bearer.redactions }
}
