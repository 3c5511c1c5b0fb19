import Foundation
import Normalizers
import RelayCore

/// Snowflake `SNOWFLAKE.ACCOUNT_USAGE.LOGIN_HISTORY` and `QUERY_HISTORY` rows (SQL API results as
/// objects), and the `SESSIONS`, `ACCESS_HISTORY` and `GRANTS_TO_USERS` rows `SnowflakeSource` reads
/// (ids and times, the actor and what was touched). Columns: https://docs.snowflake.com/en/sql-reference/account-usage/login_history and
/// https://docs.snowflake.com/en/sql-reference/account-usage/query_history (QUERY_TYPE values).
///
/// Field map, login_history: eventID `EVENT_ID`, eventTime `EVENT_TIMESTAMP` (epoch-seconds
/// string), eventName `EVENT_TYPE`, srcIP `CLIENT_IP`, actor `USER_NAME`. query_history: eventID
/// `QUERY_ID`, eventTime `START_TIME`, eventName `QUERY_TYPE`, actor `USER_NAME` (+ `ROLE_NAME`).
/// QUERY_TYPE is coarse (`CREATE`, `ALTER`, `SHOW`), so the statement's leading keywords decide
/// what was created or changed.
public struct SnowflakeNormalizer: Normalizer {
    public let sourceType = "snowflake"
    public let streams = ["login_history", "query_history", "sessions", "access_history", "grants_to_users"]

    public init() {}

    public func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        record.serviceName = "snowflake"
        record.setActor("username", event["USER_NAME"])
        switch stream {
        case "sessions":
            // One row per session; the login that opened it is LOGIN_EVENT_ID in login_history.
            record.setEventID(event["SESSION_ID"])
            record.setEventTime(event["CREATED_ON"])
            record.eventName = "SESSION_CREATED"
            record.setTag("authenticationMethod", event["AUTHENTICATION_METHOD"])
            record.setTag("loginEventID", event["LOGIN_EVENT_ID"])
            record.setTag("clientApplication", event["CLIENT_APPLICATION_ID"])
            record.setTag("closedReason", event["CLOSED_REASON"])
            return
        case "access_history":
            // The same QUERY_ID is also the query_history row's id: qualified so the source's
            // dedupe (by eventID) keeps both.
            if let id = event["QUERY_ID"]?.text, !id.isEmpty { record.eventID = "access:" + id }
            record.setEventTime(event["QUERY_START_TIME"])
            record.eventName = "OBJECTS_ACCESSED"
            record.setTag("parentQueryID", event["PARENT_QUERY_ID"])
            if let objects = event["DIRECT_OBJECTS_ACCESSED"], objects.kind == .array {
                for object in objects.elements.prefix(20) { record.addResource(object["objectName"]) }
            }
            return
        case "grants_to_users":
            // No id column: the grantee, role and grant time identify a grant (a regrant after a revoke is a new row).
            let grantee = event["GRANTEE_NAME"]?.text ?? "", role = event["ROLE"]?.text ?? "", created = event["CREATED_ON"]?.text ?? ""
            if !grantee.isEmpty || !role.isEmpty { record.eventID = "grant:\(grantee)/\(role)@\(created)" }
            record.setEventTime(event["CREATED_ON"])
            // The row is dated by the grant; a later revoke only fills in DELETED_ON.
            record.eventName = "ROLE_GRANTED"
            record.setActor("username", event["GRANTEE_NAME"])
            record.setTag("role", event["ROLE"])
            record.setTag("grantedBy", event["GRANTED_BY"])
            record.setTag("deletedOn", event["DELETED_ON"])
            record.addResource(event["ROLE"])
            record.classify("GRANT ROLE", with: SnowflakeCatalogue.statements)
            return
        default:
            break
        }
        if stream == "query_history" {
            record.setEventID(event["QUERY_ID"])
            record.setEventTime(event["START_TIME"])
            record.setEventName(event["QUERY_TYPE"])
            record.setTag("role", event["ROLE_NAME"])
            record.setTag("status", event["EXECUTION_STATUS"])
            record.setTag("warehouse", event["WAREHOUSE_NAME"])
            record.addResource(event["DATABASE_NAME"])
            let text = event["QUERY_TEXT"]?.string ?? ""
            let statement = Self.statementKey(text)
            // The statement's own words first (`ALTER USER … UNSET …`), then the query type.
            record.classify(Self.catalogued(statement), with: SnowflakeCatalogue.statements)
            if let (key, value) = Self.alterUser(text) {
                // What an ALTER USER changes is in its property: MFA bypass, Duo, keys, policies.
                record.classify(key, with: SnowflakeCatalogue.statements)
                if key == "ALTER USER SET EXT_AUTHN_DUO", value == "FALSE" { record.setBehavior(.mfaUnenroll, rule: "ALTER USER SET EXT_AUTHN_DUO = FALSE") }
                if key == "ALTER USER SET MINS_TO_BYPASS_MFA", value == "0" { record.setBehavior(.mfaEnroll, rule: "ALTER USER SET MINS_TO_BYPASS_MFA = 0") }
            }
            if record.behavior == .none, record.behaviorBasis == .none || statement.isEmpty {
                record.classify(record.eventName, with: SnowflakeCatalogue.queryTypes)
            }
        } else {
            record.setEventID(event["EVENT_ID"])
            record.setEventTime(event["EVENT_TIMESTAMP"])
            record.setEventName(event["EVENT_TYPE"])
            record.setSourceIP(event["CLIENT_IP"])
            record.setTag("firstFactor", event["FIRST_AUTHENTICATION_FACTOR"])
            record.setTag("secondFactor", event["SECOND_AUTHENTICATION_FACTOR"])
            record.setTag("success", event["IS_SUCCESS"])
            record.setTag("clientType", event["REPORTED_CLIENT_TYPE"])
            // A login that went through a second factor is the MFA step of that login.
            let key = record.eventName == "LOGIN" && event["SECOND_AUTHENTICATION_FACTOR"]?.nonEmptyText != nil
                ? "LOGIN:mfa" : record.eventName
            record.classify(key, with: SnowflakeCatalogue.logins)
        }
    }

    /// The longest leading run of `statement`'s words that the statement catalogue lists
    /// (`CREATE NETWORK POLICY X` -> `CREATE NETWORK POLICY`), else `statement` itself for the
    /// prefix rules.
    static func catalogued(_ statement: String) -> String {
        let words = statement.split(separator: " ")
        for count in stride(from: words.count, to: 0, by: -1) {
            let key = words.prefix(count).joined(separator: " ")
            if VendorCatalogue.snowflakeStatements.decisions[key.lowercased()] != nil { return key }
        }
        return statement
    }

    /// The name-free key of an `ALTER USER` statement and the value it sets:
    /// `alter user if exists "bob" set mins_to_bypass_mfa = 10` -> (`ALTER USER SET MINS_TO_BYPASS_MFA`, `10`);
    /// `ALTER USER bob REMOVE MFA METHOD otp` -> (`ALTER USER REMOVE MFA METHOD`, ``).
    static func alterUser(_ text: String) -> (key: String, value: String)? {
        let words = text.prefix(400).uppercased().split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == ";" })
        guard words.count >= 4, words[0] == "ALTER", words[1] == "USER" else { return nil }
        var index = 2
        if words[index] == "IF", index + 1 < words.count, words[index + 1] == "EXISTS" { index += 2 }
        index += 1 // the user's name
        guard index < words.count else { return nil }
        let verb = String(words[index])
        let rest = words[(index + 1)...].map(String.init)
        switch verb {
        case "SET", "UNSET":
            guard var property = rest.first else { return nil }
            var value = ""
            if let equals = property.firstIndex(of: "=") {
                value = String(property[property.index(after: equals)...])
                property = String(property[..<equals])
            } else if rest.count > 1, rest[1] == "POLICY" {
                property += " POLICY"
            } else if rest.count > 1 {
                value = rest[1] == "=" ? (rest.count > 2 ? rest[2] : "") : (rest[1].hasPrefix("=") ? String(rest[1].dropFirst()) : "")
            }
            return ("ALTER USER \(verb) \(property)", value.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")))
        default:
            // ADD/REMOVE/MODIFY/ROTATE MFA METHOD, PROGRAMMATIC ACCESS TOKEN, PAT, DELEGATED AUTHORIZATION(S); RESET PASSWORD…
            let known: Set<String> = ["MFA", "METHOD", "PROGRAMMATIC", "ACCESS", "TOKEN", "PAT", "DELEGATED", "AUTHORIZATION",
                                      "AUTHORIZATIONS", "PASSWORD", "ALL", "QUERIES", "TO"]
            let what = rest.prefix { known.contains($0) }
            return ((["ALTER USER", verb] + what).joined(separator: " "), "")
        }
    }

    /// The first keywords of a statement, upper-cased with single spaces and without the
    /// modifiers that do not change what it acts on: `create or replace  network policy x` ->
    /// `CREATE NETWORK POLICY X`. Reads at most six words of the first 160 bytes.
    static func statementKey(_ text: String) -> String {
        var words: [Substring] = []
        var word = ""
        var output = ""
        for scalar in text.utf8.prefix(160) {
            if scalar == 0x20 || scalar == 0x09 || scalar == 0x0A || scalar == 0x0D || scalar == UInt8(ascii: ";") {
                if !word.isEmpty { words.append(Substring(word)); word = "" }
                if words.count >= 6 { break }
            } else {
                word.unicodeScalars.append(Unicode.Scalar(scalar >= 0x61 && scalar <= 0x7A ? scalar - 32 : scalar))
            }
        }
        if !word.isEmpty && words.count < 6 { words.append(Substring(word)) }
        var index = 0
        while index < words.count {
            let current = words[index]
            let next = index + 1 < words.count ? words[index + 1] : ""
            if current == "OR" && next == "REPLACE" { index += 2; continue }
            if current == "IF" && next == "NOT" { index += 3; continue }
            if current == "IF" && next == "EXISTS" { index += 2; continue }
            if current == "TEMPORARY" || current == "TRANSIENT" || current == "SECURE" { index += 1; continue }
            if !output.isEmpty { output.append(" ") }
            output.append(contentsOf: current)
            index += 1
        }
        return output
    }
}
