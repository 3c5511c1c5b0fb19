import Normalizers
import RelayCore

extension VendorCatalogue {
    /// Security-relevant SQL statements, in the normalizer's statement-key space (leading keywords,
    /// object names left out): the CREATE/ALTER/DROP/SHOW/DESCRIBE commands of the SQL command
    /// reference for users, roles, grants, shares, policies and integrations, and every `ALTER USER`
    /// property (`ALTER USER SET|UNSET <property>`, `ADD|REMOVE MFA METHOD`, programmatic access
    /// tokens, delegated authorizations), fetched 2026-12-06.
    static let snowflakeStatements = VendorCatalogue(
        vendor: "snowflake", source: "https://docs.snowflake.com/en/sql-reference/sql/alter-user",
        rows: #"""
CREATE USER	user.create
ALTER USER	user.update
DROP USER	user.delete
SHOW USERS	user.read
DESCRIBE USER	user.read
DESC USER	user.read
CREATE ROLE	role.create
ALTER ROLE	role.update
DROP ROLE	role.delete
CREATE DATABASE ROLE	role.create
ALTER DATABASE ROLE	role.update
DROP DATABASE ROLE	role.delete
CREATE APPLICATION ROLE	role.create
DROP APPLICATION ROLE	role.delete
SHOW ROLES	role.read
SHOW DATABASE ROLES	role.read
SHOW GRANTS	role.read
GRANT	permission.add
REVOKE	permission.remove
GRANT ROLE	permission.add
REVOKE ROLE	permission.remove
GRANT DATABASE ROLE	permission.add
REVOKE DATABASE ROLE	permission.remove
GRANT OWNERSHIP	permission.add
GRANT APPLICATION ROLE	permission.add
REVOKE APPLICATION ROLE	permission.remove
CREATE SHARE	permission.add
ALTER SHARE	permission.add
DROP SHARE	permission.remove
SHOW SHARES	role.read
CREATE NETWORK POLICY	policy.create
ALTER NETWORK POLICY	policy.update
DROP NETWORK POLICY	policy.delete
DESCRIBE NETWORK POLICY	policy.read
DESC NETWORK POLICY	policy.read
CREATE NETWORK RULE	policy.create
ALTER NETWORK RULE	policy.update
DROP NETWORK RULE	policy.delete
DESCRIBE NETWORK RULE	policy.read
DESC NETWORK RULE	policy.read
CREATE PASSWORD POLICY	policy.create
ALTER PASSWORD POLICY	policy.update
DROP PASSWORD POLICY	policy.delete
DESCRIBE PASSWORD POLICY	policy.read
DESC PASSWORD POLICY	policy.read
CREATE SESSION POLICY	policy.create
ALTER SESSION POLICY	policy.update
DROP SESSION POLICY	policy.delete
DESCRIBE SESSION POLICY	policy.read
DESC SESSION POLICY	policy.read
CREATE AUTHENTICATION POLICY	policy.create
ALTER AUTHENTICATION POLICY	policy.update
DROP AUTHENTICATION POLICY	policy.delete
DESCRIBE AUTHENTICATION POLICY	policy.read
DESC AUTHENTICATION POLICY	policy.read
CREATE MASKING POLICY	policy.create
ALTER MASKING POLICY	policy.update
DROP MASKING POLICY	policy.delete
DESCRIBE MASKING POLICY	policy.read
DESC MASKING POLICY	policy.read
CREATE ROW ACCESS POLICY	policy.create
ALTER ROW ACCESS POLICY	policy.update
DROP ROW ACCESS POLICY	policy.delete
DESCRIBE ROW ACCESS POLICY	policy.read
DESC ROW ACCESS POLICY	policy.read
CREATE PROJECTION POLICY	policy.create
ALTER PROJECTION POLICY	policy.update
DROP PROJECTION POLICY	policy.delete
DESCRIBE PROJECTION POLICY	policy.read
DESC PROJECTION POLICY	policy.read
CREATE AGGREGATION POLICY	policy.create
ALTER AGGREGATION POLICY	policy.update
DROP AGGREGATION POLICY	policy.delete
DESCRIBE AGGREGATION POLICY	policy.read
DESC AGGREGATION POLICY	policy.read
CREATE JOIN POLICY	policy.create
ALTER JOIN POLICY	policy.update
DROP JOIN POLICY	policy.delete
DESCRIBE JOIN POLICY	policy.read
DESC JOIN POLICY	policy.read
CREATE PACKAGES POLICY	policy.create
ALTER PACKAGES POLICY	policy.update
DROP PACKAGES POLICY	policy.delete
DESCRIBE PACKAGES POLICY	policy.read
DESC PACKAGES POLICY	policy.read
CREATE SECURITY INTEGRATION	policy.create
ALTER SECURITY INTEGRATION	policy.update
DROP SECURITY INTEGRATION	policy.delete
DESCRIBE SECURITY INTEGRATION	policy.read
DESC SECURITY INTEGRATION	policy.read
SHOW NETWORK POLICIES	policy.read
SHOW NETWORK RULES	policy.read
SHOW PASSWORD POLICIES	policy.read
SHOW SESSION POLICIES	policy.read
SHOW AUTHENTICATION POLICIES	policy.read
SHOW MASKING POLICIES	policy.read
SHOW ROW ACCESS POLICIES	policy.read
SHOW SECURITY INTEGRATIONS	policy.read
SHOW DELEGATED AUTHORIZATIONS	policy.read
SHOW PARAMETERS	policy.read
ALTER ACCOUNT	policy.update
CREATE STORAGE INTEGRATION	integration.create
ALTER STORAGE INTEGRATION	integration.update
DROP STORAGE INTEGRATION	integration.delete
DESCRIBE STORAGE INTEGRATION	integration.read
DESC STORAGE INTEGRATION	integration.read
CREATE API INTEGRATION	integration.create
ALTER API INTEGRATION	integration.update
DROP API INTEGRATION	integration.delete
DESCRIBE API INTEGRATION	integration.read
DESC API INTEGRATION	integration.read
CREATE NOTIFICATION INTEGRATION	integration.create
ALTER NOTIFICATION INTEGRATION	integration.update
DROP NOTIFICATION INTEGRATION	integration.delete
DESCRIBE NOTIFICATION INTEGRATION	integration.read
DESC NOTIFICATION INTEGRATION	integration.read
CREATE EXTERNAL ACCESS INTEGRATION	integration.create
ALTER EXTERNAL ACCESS INTEGRATION	integration.update
DROP EXTERNAL ACCESS INTEGRATION	integration.delete
DESCRIBE EXTERNAL ACCESS INTEGRATION	integration.read
DESC EXTERNAL ACCESS INTEGRATION	integration.read
CREATE CATALOG INTEGRATION	integration.create
ALTER CATALOG INTEGRATION	integration.update
DROP CATALOG INTEGRATION	integration.delete
DESCRIBE CATALOG INTEGRATION	integration.read
DESC CATALOG INTEGRATION	integration.read
CREATE INTEGRATION	integration.create
ALTER INTEGRATION	integration.update
DROP INTEGRATION	integration.delete
DESCRIBE INTEGRATION	integration.read
DESC INTEGRATION	integration.read
CREATE SECRET	integration.create
ALTER SECRET	integration.update
DROP SECRET	integration.delete
DESCRIBE SECRET	integration.read
DESC SECRET	integration.read
SHOW INTEGRATIONS	integration.read
SHOW STORAGE INTEGRATIONS	integration.read
SHOW API INTEGRATIONS	integration.read
SHOW NOTIFICATION INTEGRATIONS	integration.read
SHOW EXTERNAL ACCESS INTEGRATIONS	integration.read
SHOW SECRETS	integration.read
ALTER USER SET PASSWORD	user.update
ALTER USER UNSET PASSWORD	user.update
ALTER USER SET LOGIN_NAME	user.update
ALTER USER UNSET LOGIN_NAME	user.update
ALTER USER SET DISPLAY_NAME	user.update
ALTER USER UNSET DISPLAY_NAME	user.update
ALTER USER SET FIRST_NAME	user.update
ALTER USER UNSET FIRST_NAME	user.update
ALTER USER SET MIDDLE_NAME	user.update
ALTER USER UNSET MIDDLE_NAME	user.update
ALTER USER SET LAST_NAME	user.update
ALTER USER UNSET LAST_NAME	user.update
ALTER USER SET EMAIL	user.update
ALTER USER UNSET EMAIL	user.update
ALTER USER SET MUST_CHANGE_PASSWORD	user.update
ALTER USER UNSET MUST_CHANGE_PASSWORD	user.update
ALTER USER SET DISABLED	user.update
ALTER USER UNSET DISABLED	user.update
ALTER USER SET DAYS_TO_EXPIRY	user.update
ALTER USER UNSET DAYS_TO_EXPIRY	user.update
ALTER USER SET MINS_TO_UNLOCK	user.update
ALTER USER UNSET MINS_TO_UNLOCK	user.update
ALTER USER SET DEFAULT_WAREHOUSE	user.update
ALTER USER UNSET DEFAULT_WAREHOUSE	user.update
ALTER USER SET DEFAULT_NAMESPACE	user.update
ALTER USER UNSET DEFAULT_NAMESPACE	user.update
ALTER USER SET DEFAULT_ROLE	user.update
ALTER USER UNSET DEFAULT_ROLE	user.update
ALTER USER SET DEFAULT_SECONDARY_ROLES	user.update
ALTER USER UNSET DEFAULT_SECONDARY_ROLES	user.update
ALTER USER SET MINS_TO_BYPASS_MFA	mfa.unenroll
ALTER USER UNSET MINS_TO_BYPASS_MFA	mfa.enroll
ALTER USER SET RSA_PUBLIC_KEY	user.update
ALTER USER UNSET RSA_PUBLIC_KEY	user.update
ALTER USER SET RSA_PUBLIC_KEY_2	user.update
ALTER USER UNSET RSA_PUBLIC_KEY_2	user.update
ALTER USER SET COMMENT	user.update
ALTER USER UNSET COMMENT	user.update
ALTER USER SET TYPE	user.update
ALTER USER UNSET TYPE	user.update
ALTER USER SET EXT_AUTHN_DUO	mfa.enroll
ALTER USER UNSET EXT_AUTHN_DUO	mfa.unenroll
ALTER USER SET EXT_AUTHN_UID	user.update
ALTER USER UNSET EXT_AUTHN_UID	user.update
ALTER USER SET NETWORK_POLICY	policy.update
ALTER USER UNSET NETWORK_POLICY	policy.update
ALTER USER SET MINS_TO_BYPASS_NETWORK_POLICY	policy.update
ALTER USER UNSET MINS_TO_BYPASS_NETWORK_POLICY	policy.update
ALTER USER SET PASSWORD POLICY	policy.update
ALTER USER UNSET PASSWORD POLICY	policy.update
ALTER USER SET SESSION POLICY	policy.update
ALTER USER UNSET SESSION POLICY	policy.update
ALTER USER SET AUTHENTICATION POLICY	policy.update
ALTER USER UNSET AUTHENTICATION POLICY	policy.update
ALTER USER SET TAG	user.update
ALTER USER UNSET TAG	user.update
ALTER USER RESET PASSWORD	user.update
ALTER USER ABORT ALL QUERIES	-
ALTER USER RENAME TO	user.update
ALTER USER ADD DELEGATED AUTHORIZATION	integration.create
ALTER USER REMOVE DELEGATED AUTHORIZATION	integration.delete
ALTER USER REMOVE DELEGATED AUTHORIZATIONS	integration.delete
ALTER USER ADD PROGRAMMATIC ACCESS TOKEN	integration.create
ALTER USER MODIFY PROGRAMMATIC ACCESS TOKEN	integration.update
ALTER USER ROTATE PROGRAMMATIC ACCESS TOKEN	integration.update
ALTER USER REMOVE PROGRAMMATIC ACCESS TOKEN	integration.delete
ALTER USER ADD PAT	integration.create
ALTER USER MODIFY PAT	integration.update
ALTER USER ROTATE PAT	integration.update
ALTER USER REMOVE PAT	integration.delete
ALTER USER ADD MFA METHOD	mfa.enroll
ALTER USER MODIFY MFA METHOD	user.update
ALTER USER REMOVE MFA METHOD	mfa.unenroll
USE ROLE	-
USE SECONDARY ROLES	-
ALTER SESSION	-
COPY INTO @	resource.download
GET	resource.download
PUT	resource.create
SELECT	resource.read
INSERT	resource.create
UPDATE	resource.update
MERGE	resource.update
DELETE	resource.delete
TRUNCATE	resource.delete
UNDROP	resource.update
"""#)

    /// QUERY_HISTORY `QUERY_TYPE` values (the column is documented, its values are not listed in
    /// one place; these are the values Snowflake reports), the fallback for rows without usable
    /// QUERY_TEXT, fetched 2026-12-06.
    static let snowflakeQueryTypes = VendorCatalogue(
        vendor: "snowflake", source: "https://docs.snowflake.com/en/sql-reference/account-usage/query_history",
        rows: #"""
SELECT	resource.read
INSERT	resource.create
MULTI_TABLE_INSERT	resource.create
UPDATE	resource.update
DELETE	resource.delete
MERGE	resource.update
COPY	resource.create
UNLOAD	resource.download
PUT_FILES	resource.create
GET_FILES	resource.download
LIST_FILES	resource.read
REMOVE_FILES	resource.delete
TRUNCATE_TABLE	resource.delete
CREATE	resource.create
CREATE_TABLE	resource.create
CREATE_TABLE_AS_SELECT	resource.create
CREATE_VIEW	resource.create
CREATE_MATERIALIZED_VIEW	resource.create
CREATE_EXTERNAL_TABLE	resource.create
CREATE_STREAM	resource.create
CREATE_TASK	resource.create
CREATE_SEQUENCE	resource.create
CREATE_CONSTRAINT	resource.update
CREATE_USER	user.create
CREATE_ROLE	role.create
CREATE_NETWORK_POLICY	policy.create
ALTER	resource.update
ALTER_USER	user.update
ALTER_NETWORK_POLICY	policy.update
ALTER_ACCOUNT	policy.update
ALTER_SESSION	-
ALTER_TABLE	resource.update
ALTER_TABLE_ADD_COLUMN	resource.update
ALTER_TABLE_DROP_COLUMN	resource.update
ALTER_TABLE_MODIFY_COLUMN	resource.update
ALTER_TABLE_DROP_CLUSTERING_KEY	resource.update
ALTER_WAREHOUSE_SUSPEND	resource.update
ALTER_WAREHOUSE_RESUME	resource.update
ALTER_PIPE	resource.update
RENAME_TABLE	resource.update
RENAME_COLUMN	resource.update
DROP	resource.delete
DROP_USER	user.delete
DROP_ROLE	role.delete
DROP_NETWORK_POLICY	policy.delete
DROP_CONSTRAINT	resource.update
UNDROP	resource.update
RESTORE	resource.update
GRANT	permission.add
REVOKE	permission.remove
SHOW	resource.read
DESCRIBE	resource.read
DESCRIBE_QUERY	resource.read
USE	-
EXPLAIN	-
CALL	-
BEGIN_TRANSACTION	-
COMMIT	-
ROLLBACK	-
SET	-
UNSET	-
EXECUTE_TASK	-
EXECUTE_STREAMLIT	-
RECLUSTER	-
UNKNOWN	-
"""#)

    /// LOGIN_HISTORY `EVENT_TYPE` values, with the normalizer's `LOGIN:mfa` key for a login that
    /// went through a second factor, fetched 2026-12-06.
    static let snowflakeLogins = VendorCatalogue(
        vendor: "snowflake", source: "https://docs.snowflake.com/en/sql-reference/account-usage/login_history",
        rows: #"""
LOGIN	authentication.login
LOGIN:mfa	authentication.mfa
"""#)
}

/// The vendor's published catalogue(s) of event names, each with the behavior rules that
/// classify its names; every decided name must classify as recorded (CatalogueTests).
extension SnowflakeNormalizer {
    static let catalogued: [(catalogue: VendorCatalogue, rules: BehaviorRules)] = [
        (.snowflakeStatements, SnowflakeCatalogue.statements),
        (.snowflakeQueryTypes, SnowflakeCatalogue.queryTypes),
        (.snowflakeLogins, SnowflakeCatalogue.logins),
    ]
}
