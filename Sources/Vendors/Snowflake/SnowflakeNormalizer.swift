import Normalizers
import RelayCore

/// Snowflake `SNOWFLAKE.ACCOUNT_USAGE.LOGIN_HISTORY` and `QUERY_HISTORY` rows (SQL API results as
/// objects). Columns: https://docs.snowflake.com/en/sql-reference/account-usage/login_history and
/// https://docs.snowflake.com/en/sql-reference/account-usage/query_history (QUERY_TYPE values).
///
/// Field map, login_history: eventID `EVENT_ID`, eventTime `EVENT_TIMESTAMP` (epoch-seconds
/// string), eventName `EVENT_TYPE`, srcIP `CLIENT_IP`, actor `USER_NAME`. query_history: eventID
/// `QUERY_ID`, eventTime `START_TIME`, eventName `QUERY_TYPE`, actor `USER_NAME` (+ `ROLE_NAME`).
/// QUERY_TYPE is coarse (`CREATE`, `ALTER`, `SHOW`), so the statement's leading keywords decide
/// what was created or changed.
public struct SnowflakeNormalizer: Normalizer {
    public let sourceType = "snowflake"
    public let streams = ["login_history", "query_history"]

    public init() {}

    public func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        record.serviceName = "snowflake"
        record.setActor("username", event["USER_NAME"])
        if stream == "query_history" {
            record.setEventID(event["QUERY_ID"])
            record.setEventTime(event["START_TIME"])
            record.setEventName(event["QUERY_TYPE"])
            record.setTag("role", event["ROLE_NAME"])
            record.setTag("status", event["EXECUTION_STATUS"])
            record.setTag("warehouse", event["WAREHOUSE_NAME"])
            record.addResource(event["DATABASE_NAME"])
            let statement = Self.statementKey(event["QUERY_TEXT"]?.string ?? "")
            // The statement's own words first (`ALTER USER … UNSET …`), then the query type.
            record.classify(statement, with: SnowflakeCatalogue.statements)
            if record.behavior == .none { record.classify(record.eventName, with: SnowflakeCatalogue.queryTypes) }
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
