import Normalizers
import RelayCore
import Testing

/// Hand-written Snowflake ACCOUNT_USAGE rows (QUERY_HISTORY statements and LOGIN_HISTORY) for each
/// verb/object family, including the `ALTER USER … SET/UNSET …` statements that change authentication.
@Suite struct SnowflakeFamilyTests {
    static func query(_ type: String, _ text: String) -> String {
        #"{"QUERY_ID":"01b4-q","START_TIME":"2026-11-30 10:00:00.000 Z","QUERY_TYPE":"\#(type)","QUERY_TEXT":"\#(text)","USER_NAME":"ADMIN","ROLE_NAME":"ACCOUNTADMIN","EXECUTION_STATUS":"SUCCESS"}"#
    }

    static let statements: [(String, String, Behavior)] = [
        ("CREATE_USER", "CREATE USER jdoe PASSWORD='x' DEFAULT_ROLE=ANALYST", .userCreate),
        ("ALTER_USER", "ALTER USER jdoe SET EMAIL = 'j@example.com'", .userUpdate),
        ("DROP_USER", "DROP USER IF EXISTS jdoe", .userDelete),
        ("SHOW", "SHOW USERS LIKE 'j%'", .userRead),
        ("ALTER_USER", "ALTER USER jdoe SET DISABLED = TRUE", .userUpdate),
        ("ALTER_USER", "ALTER USER jdoe SET PASSWORD = 'new'", .userUpdate),
        ("ALTER_USER", "alter user if exists \\\"jdoe\\\" set mins_to_bypass_mfa = 30", .mfaUnenroll),
        ("ALTER_USER", "ALTER USER jdoe UNSET MINS_TO_BYPASS_MFA", .mfaEnroll),
        ("ALTER_USER", "ALTER USER jdoe SET EXT_AUTHN_DUO = TRUE", .mfaEnroll),
        ("ALTER_USER", "ALTER USER jdoe SET EXT_AUTHN_DUO = FALSE", .mfaUnenroll),
        ("ALTER_USER", "ALTER USER jdoe UNSET EXT_AUTHN_DUO", .mfaUnenroll),
        ("ALTER_USER", "ALTER USER jdoe REMOVE MFA METHOD OTP", .mfaUnenroll),
        ("ALTER_USER", "ALTER USER jdoe SET RSA_PUBLIC_KEY = 'MIIB...'", .userUpdate),
        ("ALTER_USER", "ALTER USER jdoe UNSET RSA_PUBLIC_KEY", .userUpdate),
        ("ALTER_USER", "ALTER USER jdoe SET AUTHENTICATION POLICY strict_mfa", .policyUpdate),
        ("ALTER_USER", "ALTER USER jdoe ADD PROGRAMMATIC ACCESS TOKEN ci_token", .integrationCreate),
        ("CREATE_ROLE", "CREATE ROLE auditor", .roleCreate),
        ("ALTER", "ALTER ROLE auditor RENAME TO auditors", .roleUpdate),
        ("DROP_ROLE", "DROP ROLE auditors", .roleDelete),
        ("SHOW", "SHOW GRANTS TO ROLE auditor", .roleRead),
        ("GRANT", "GRANT ROLE ACCOUNTADMIN TO USER jdoe", .permissionAdd),
        ("REVOKE", "REVOKE ROLE ACCOUNTADMIN FROM USER jdoe", .permissionRemove),
        ("CREATE_NETWORK_POLICY", "CREATE OR REPLACE NETWORK POLICY office ALLOWED_IP_LIST=('198.51.100.0/24')", .policyCreate),
        ("ALTER_NETWORK_POLICY", "ALTER NETWORK POLICY office SET ALLOWED_IP_LIST=('0.0.0.0/0')", .policyUpdate),
        ("DROP_NETWORK_POLICY", "DROP NETWORK POLICY office", .policyDelete),
        ("CREATE", "CREATE SECURITY INTEGRATION okta TYPE = SAML2", .policyCreate),
        ("ALTER_ACCOUNT", "ALTER ACCOUNT SET NETWORK_POLICY = office", .policyUpdate),
        ("CREATE", "CREATE API INTEGRATION gw API_PROVIDER = aws_api_gateway", .integrationCreate),
        ("ALTER", "ALTER SECRET gh_token SET SECRET_STRING = 'x'", .integrationUpdate),
        ("DROP", "DROP EXTERNAL ACCESS INTEGRATION egress", .integrationDelete),
        ("SELECT", "SELECT * FROM customers", .resourceRead),
        ("CREATE_TABLE", "CREATE TABLE t (id int)", .resourceCreate),
        ("UPDATE", "UPDATE customers SET tier = 2", .resourceUpdate),
        ("DELETE", "DELETE FROM customers WHERE id = 1", .resourceDelete),
        ("UNLOAD", "COPY INTO @stage/out FROM customers", .resourceDownload),
        ("GET_FILES", "GET @stage/out file:///tmp", .resourceDownload),
        // No usable text: the query type decides.
        ("DROP_USER", "", .userDelete),
    ]

    @Test func statementFamilies() throws {
        for (type, text, behavior) in Self.statements {
            let record = try TestSupport.normalize(Self.query(type, text), "snowflake", "query_history")
            #expect(record.behavior == behavior, "\(type): \(text)")
        }
    }

    @Test func loginFamilies() throws {
        let password = #"{"EVENT_ID":"1","EVENT_TIMESTAMP":"1764496800.000","EVENT_TYPE":"LOGIN","USER_NAME":"JDOE","CLIENT_IP":"198.51.100.7","FIRST_AUTHENTICATION_FACTOR":"PASSWORD","SECOND_AUTHENTICATION_FACTOR":null,"IS_SUCCESS":"YES"}"#
        let duo = #"{"EVENT_ID":"2","EVENT_TIMESTAMP":"1764496800.000","EVENT_TYPE":"LOGIN","USER_NAME":"JDOE","CLIENT_IP":"198.51.100.7","FIRST_AUTHENTICATION_FACTOR":"PASSWORD","SECOND_AUTHENTICATION_FACTOR":"DUO_PUSH","IS_SUCCESS":"YES"}"#
        #expect(try TestSupport.normalize(password, "snowflake", "login_history").behavior == .authenticationLogin)
        #expect(try TestSupport.normalize(duo, "snowflake", "login_history").behavior == .authenticationMFA)
    }
}
