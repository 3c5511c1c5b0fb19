import Normalizers
import RelayCore

enum SnowflakeCatalogue {
    static let logins = BehaviorRules([
        "LOGIN": .authenticationLogin,
        "LOGIN:mfa": .authenticationMFA,
        "LOGOUT": .authenticationLogout,
    ], catalogue: .snowflakeLogins)

    /// Statements by their leading keywords (see `SnowflakeNormalizer.statementKey`).
    static let statements = BehaviorRules([
        "CREATE USER*": .userCreate,
        "ALTER USER*": .userUpdate,
        "DROP USER*": .userDelete,
        "SHOW USERS*": .userRead,
        "DESCRIBE USER*": .userRead,
        "DESC USER*": .userRead,
        "CREATE ROLE*": .roleCreate,
        "CREATE DATABASE ROLE*": .roleCreate,
        "ALTER ROLE*": .roleUpdate,
        "DROP ROLE*": .roleDelete,
        "DROP DATABASE ROLE*": .roleDelete,
        "SHOW ROLES*": .roleRead,
        "SHOW GRANTS*": .roleRead,
        "GRANT*": .permissionAdd,
        "REVOKE*": .permissionRemove,
        // Security integrations (SAML2, OAuth, SCIM, external OAuth) decide how users sign in:
        // the EMM labels them policies, unlike storage/API/notification integrations.
        "CREATE SECURITY INTEGRATION*": .policyCreate,
        "ALTER SECURITY INTEGRATION*": .policyUpdate,
        "DROP SECURITY INTEGRATION*": .policyDelete,
        "SHOW DELEGATED AUTHORIZATIONS*": .policyRead,
        "SHOW SECURITY INTEGRATIONS*": .policyRead,
        "CREATE NETWORK POLICY*": .policyCreate, "ALTER NETWORK POLICY*": .policyUpdate, "DROP NETWORK POLICY*": .policyDelete,
        "CREATE NETWORK RULE*": .policyCreate, "ALTER NETWORK RULE*": .policyUpdate, "DROP NETWORK RULE*": .policyDelete,
        "CREATE PASSWORD POLICY*": .policyCreate, "ALTER PASSWORD POLICY*": .policyUpdate, "DROP PASSWORD POLICY*": .policyDelete,
        "CREATE SESSION POLICY*": .policyCreate, "ALTER SESSION POLICY*": .policyUpdate, "DROP SESSION POLICY*": .policyDelete,
        "CREATE AUTHENTICATION POLICY*": .policyCreate, "ALTER AUTHENTICATION POLICY*": .policyUpdate,
        "DROP AUTHENTICATION POLICY*": .policyDelete,
        "CREATE MASKING POLICY*": .policyCreate, "ALTER MASKING POLICY*": .policyUpdate, "DROP MASKING POLICY*": .policyDelete,
        "CREATE ROW ACCESS POLICY*": .policyCreate, "ALTER ROW ACCESS POLICY*": .policyUpdate,
        "DROP ROW ACCESS POLICY*": .policyDelete,
        "SHOW NETWORK POLICIES*": .policyRead,
        "SHOW PASSWORD POLICIES*": .policyRead,
        "CREATE STORAGE INTEGRATION*": .integrationCreate, "ALTER STORAGE INTEGRATION*": .integrationUpdate,
        "DROP STORAGE INTEGRATION*": .integrationDelete,
        "CREATE API INTEGRATION*": .integrationCreate, "ALTER API INTEGRATION*": .integrationUpdate,
        "DROP API INTEGRATION*": .integrationDelete,
        "CREATE NOTIFICATION INTEGRATION*": .integrationCreate, "ALTER NOTIFICATION INTEGRATION*": .integrationUpdate,
        "DROP NOTIFICATION INTEGRATION*": .integrationDelete,
        "CREATE EXTERNAL ACCESS INTEGRATION*": .integrationCreate, "ALTER EXTERNAL ACCESS INTEGRATION*": .integrationUpdate,
        "DROP EXTERNAL ACCESS INTEGRATION*": .integrationDelete,
        "SHOW INTEGRATIONS*": .integrationRead,
        "SELECT*": .resourceRead,
        "WITH*": .resourceRead,
        "INSERT*": .resourceCreate,
        "PUT*": .resourceCreate,
        "UPDATE*": .resourceUpdate,
        "MERGE*": .resourceUpdate,
        "UNDROP*": .resourceUpdate,
        "DELETE*": .resourceDelete,
        "TRUNCATE*": .resourceDelete,
        "GET*": .resourceDownload,
        "COPY INTO @*": .resourceDownload,
        "CREATE*": .resourceCreate,
        "ALTER*": .resourceUpdate,
        "DROP*": .resourceDelete,
        "SHOW*": .resourceRead,
        "DESCRIBE*": .resourceRead,
        "DESC*": .resourceRead,
    ], catalogue: .snowflakeStatements)

    /// QUERY_TYPE values, for rows whose QUERY_TEXT is missing or redacted.
    static let queryTypes = BehaviorRules([
        "CREATE_USER": .userCreate, "ALTER_USER": .userUpdate, "DROP_USER": .userDelete,
        "CREATE_ROLE": .roleCreate, "DROP_ROLE": .roleDelete,
        "GRANT": .permissionAdd, "REVOKE": .permissionRemove,
        "CREATE_NETWORK_POLICY": .policyCreate, "ALTER_NETWORK_POLICY": .policyUpdate, "DROP_NETWORK_POLICY": .policyDelete,
        "SELECT": .resourceRead, "INSERT": .resourceCreate, "UPDATE": .resourceUpdate, "MERGE": .resourceUpdate,
        "DELETE": .resourceDelete, "TRUNCATE_TABLE": .resourceDelete,
        "GET_FILES": .resourceDownload, "UNLOAD": .resourceDownload, "PUT_FILES": .resourceCreate,
        "SHOW": .resourceRead, "DESCRIBE": .resourceRead,
        "CREATE*": .resourceCreate, "ALTER*": .resourceUpdate, "DROP*": .resourceDelete,
    ], catalogue: .snowflakeQueryTypes)
}
