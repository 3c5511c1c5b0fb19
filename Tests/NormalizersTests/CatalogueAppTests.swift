import Normalizers
import Vendors
import RelayCore
import Testing

/// Events beyond the EMM samples, written from each SaaS application's documented catalogue.
@Suite struct CatalogueAppTests {
    static let box: [CatalogueCase] = [
        .init("box", "admin_logs", "FAILED_LOGIN", .authenticationLogin, #"{"event_id":"b1","created_at":"2023-05-09T08:28:41-07:00","event_type":"FAILED_LOGIN","created_by":{"login":"a@x.io"}}"#),
        .init("box", "admin_logs", "MULTI_FACTOR_AUTH_ENABLE", .mfaEnroll, #"{"event_id":"b2","event_type":"MULTI_FACTOR_AUTH_ENABLE"}"#),
        .init("box", "admin_logs", "EDIT_USER", .userUpdate, #"{"event_id":"b3","event_type":"EDIT_USER"}"#),
        .init("box", "admin_logs", "GROUP_EDITED", .groupUpdate, #"{"event_id":"b4","event_type":"GROUP_EDITED"}"#),
        .init("box", "admin_logs", "CHANGE_ADMIN_ROLE", .roleUpdate, #"{"event_id":"b5","event_type":"CHANGE_ADMIN_ROLE"}"#),
        .init("box", "admin_logs", "COLLABORATION_ROLE_CHANGE", .permissionAdd, #"{"event_id":"b6","event_type":"COLLABORATION_ROLE_CHANGE"}"#),
        .init("box", "admin_logs", "SHIELD_ALERT", .none,  // a Shield detection about activity, not an activity
               #"{"event_id":"b7","event_type":"SHIELD_ALERT"}"#),
        .init("box", "admin_logs", "RETENTION_POLICY_CREATE", .policyCreate, #"{"event_id":"b8","event_type":"RETENTION_POLICY_CREATE"}"#),
        .init("box", "admin_logs", "PREVIEW", .resourceRead, #"{"event_id":"b9","event_type":"PREVIEW"}"#),
        .init("box", "admin_logs", "STORAGE_EXPIRATION", .none, #"{"event_id":"b10","event_type":"STORAGE_EXPIRATION"}"#),
    ]

    static let github: [CatalogueCase] = [
        .init("github", "audit_log", "user.failed_login", .authenticationLogin, #"{"_document_id":"g1","@timestamp":1686089206322,"action":"user.failed_login","actor":"octo"}"#),
        .init("github", "audit_log", "user.two_factor_challenge_success", .authenticationMFA, #"{"_document_id":"g2","action":"user.two_factor_challenge_success"}"#),
        .init("github", "audit_log", "two_factor_authentication.disabled", .mfaUnenroll, #"{"_document_id":"g3","action":"two_factor_authentication.disabled"}"#),
        .init("github", "audit_log", "user.suspend", .userUpdate, #"{"_document_id":"g4","action":"user.suspend"}"#),
        .init("github", "audit_log", "team.demote_maintainer", .permissionRemove, #"{"_document_id":"g5","action":"team.demote_maintainer"}"#),
        .init("github", "audit_log", "org_role.create", .roleCreate, #"{"_document_id":"g6","action":"org_role.create"}"#),
        .init("github", "audit_log", "protected_branch.policy_override", .policyUpdate, #"{"_document_id":"g7","action":"protected_branch.policy_override"}"#),
        .init("github", "audit_log", "org.disable_two_factor_requirement", .policyUpdate, #"{"_document_id":"g8","action":"org.disable_two_factor_requirement"}"#),
        .init("github", "audit_log", "git.clone", .resourceDownload, #"{"_document_id":"g9","action":"git.clone"}"#),
        .init("github", "webhook", "membership.removed", .groupMemberRemove, #"{"X-GitHub-Event":"membership","X-GitHub-Delivery":"72d3162e-cc78-11e3-81ab-4c9367dc0958","action":"removed","sender":{"login":"octo"}}"#),
        .init("github", "webhook", "branch_protection_rule.created", .policyCreate, #"{"X-GitHub-Event":"branch_protection_rule","action":"created"}"#),
        .init("github", "webhook", "installation.deleted", .integrationDelete, #"{"X-GitHub-Event":"installation","action":"deleted"}"#),
        .init("github", "webhook", "ping", .none, #"{"X-GitHub-Event":"ping","zen":"Keep it logically awesome."}"#),
    ]

    static let salesforce: [CatalogueCase] = [
        .init("salesforce", "eventlogfile", "LoginAs", .authenticationLogin, #"{"EVENT_TYPE":"LoginAs","TIMESTAMP_DERIVED":"2023-03-15T01:38:19.151Z","USER_NAME":"a@x.io"}"#),
        .init("salesforce", "eventlogfile", "ReportExport", .resourceDownload, #"{"EVENT_TYPE":"ReportExport"}"#),
        .init("salesforce", "eventlogfile", "RestApi", .resourceCreate, #"{"EVENT_TYPE":"RestApi","METHOD":"POST"}"#),
        .init("salesforce", "realtime", "LoginEvent", .authenticationLogin, #"{"channel":"/event/LoginEventStream","data":{"payload":{"EventIdentifier":"s1","Status":"Failed"}}}"#),
        .init("salesforce", "realtime", "ApiEvent", .resourceDelete, #"{"channel":"/event/ApiEventStream","data":{"payload":{"EventIdentifier":"s2","Operation":"Delete"}}}"#),
        .init("salesforce", "realtime", "SessionHijackingEvent", .none, #"{"channel":"/event/SessionHijackingEvent","data":{"payload":{"EventIdentifier":"s3"}}}"#),
        .init("salesforce", "setupaudittrail", "deactivateduser", .userDelete, #"{"Id":"0Ym1","action":"deactivateduser","CreatedDate":"2023-03-09T18:17:00.000+0000"}"#),
        .init("salesforce", "setupaudittrail", "deleteAuthenticatorPairing", .mfaUnenroll, #"{"action":"deleteAuthenticatorPairing"}"#),
        .init("salesforce", "setupaudittrail", "PermSetAssign", .permissionAdd, #"{"action":"PermSetAssign"}"#),
        .init("salesforce", "setupaudittrail", "createdrole", .roleCreate, #"{"action":"createdrole"}"#),
        .init("salesforce", "setupaudittrail", "changedPasswordPolicyMinLength", .policyUpdate, #"{"action":"changedPasswordPolicyMinLength"}"#),
        .init("salesforce", "setupaudittrail", "updatedgroup", .groupUpdate, #"{"action":"updatedgroup"}"#),
    ]

    static let serviceNow: [CatalogueCase] = [
        .init("servicenow", "sysevent", "login.failed", .authenticationLogin, #"{"sys_id":"n1","sys_created_on":"2024-04-15 15:20:07","name":"login.failed","parm1":"bob","parm2":"203.0.113.9"}"#),
        .init("servicenow", "sysevent", "logout", .authenticationLogout, #"{"sys_id":"n2","name":"logout"}"#),
        .init("servicenow", "sysevent", "multifactor.auth.success", .authenticationMFA, #"{"sys_id":"n3","name":"multifactor.auth.success"}"#),
        .init("servicenow", "sys_audit", "sys_user.active", .userUpdate, #"{"sys_id":"n4","tablename":"sys_user","fieldname":"active","oldvalue":"true","newvalue":"false","user":"admin"}"#),
        .init("servicenow", "sys_audit", "sys_user_grmember.DELETED", .groupMemberRemove, #"{"sys_id":"n5","tablename":"sys_user_grmember","fieldname":"DELETED"}"#),
        .init("servicenow", "sys_audit", "sys_user_role.description", .roleUpdate, #"{"sys_id":"n6","tablename":"sys_user_role","fieldname":"description","oldvalue":"old"}"#),
        .init("servicenow", "sys_audit", "sys_security_acl.condition", .policyUpdate, #"{"sys_id":"n7","tablename":"sys_security_acl","fieldname":"condition","oldvalue":"x"}"#),
        .init("servicenow", "sys_user_has_role", "sys_user_has_role.Removed", .permissionRemove, #"{"sys_id":"n8","operation":"Removed","changed_by":"abc"}"#),
        .init("servicenow", "sysevent", "glide.heartbeat", .none, #"{"sys_id":"n9","name":"glide.heartbeat"}"#),
    ]

    static let slack: [CatalogueCase] = [
        .init("slack", "audit_logs", "user_login", .authenticationLogin, #"{"id":"k1","date_create":1692033735,"action":"user_login","actor":{"user":{"email":"a@x.io"}}}"#),
        .init("slack", "audit_logs", "user_session_invalidated", .authenticationLogout, #"{"id":"k2","action":"user_session_invalidated"}"#),
        .init("slack", "audit_logs", "pref.two_factor_auth_changed", .mfaUnenroll, #"{"id":"k3","action":"pref.two_factor_auth_changed","details":{"new_value":"TWO_FACTOR_DISABLED"}}"#),
        .init("slack", "audit_logs", "user_email_updated", .userUpdate, #"{"id":"k4","action":"user_email_updated"}"#),
        .init("slack", "audit_logs", "user_added_to_usergroup", .groupMemberAdd, #"{"id":"k5","action":"user_added_to_usergroup"}"#),
        .init("slack", "audit_logs", "role_change_to_admin", .permissionAdd, #"{"id":"k6","action":"role_change_to_admin"}"#),
        .init("slack", "audit_logs", "custom_role_created", .roleCreate, #"{"id":"k7","action":"custom_role_created"}"#),
        .init("slack", "audit_logs", "pref.session_duration_changed", .policyUpdate, #"{"id":"k8","action":"pref.session_duration_changed"}"#),
        .init("slack", "audit_logs", "emoji_added", .resourceCreate, #"{"id":"k9","action":"emoji_added"}"#),
    ]

    static let snowflake: [CatalogueCase] = [
        .init("snowflake", "login_history", "LOGIN", .authenticationLogin, #"{"EVENT_ID":"f1","EVENT_TIMESTAMP":"1717764280.813000","EVENT_TYPE":"LOGIN","IS_SUCCESS":"NO","SECOND_AUTHENTICATION_FACTOR":null,"USER_NAME":"u"}"#),
        .init("snowflake", "login_history", "LOGIN", .authenticationMFA, #"{"EVENT_ID":"f9","EVENT_TYPE":"LOGIN","FIRST_AUTHENTICATION_FACTOR":"PASSWORD","SECOND_AUTHENTICATION_FACTOR":"DUO_PUSH"}"#),
        .init("snowflake", "query_history", "ALTER_USER", .userUpdate, #"{"QUERY_ID":"f2","QUERY_TYPE":"ALTER_USER","QUERY_TEXT":"alter user u set disabled = true"}"#),
        .init("snowflake", "query_history", "CREATE_ROLE", .roleCreate, #"{"QUERY_ID":"f3","QUERY_TYPE":"CREATE_ROLE","QUERY_TEXT":"CREATE OR REPLACE ROLE analyst"}"#),
        .init("snowflake", "query_history", "GRANT", .permissionAdd, #"{"QUERY_ID":"f4","QUERY_TYPE":"GRANT","QUERY_TEXT":"GRANT ROLE analyst TO USER u"}"#),
        .init("snowflake", "query_history", "CREATE_NETWORK_POLICY", .policyCreate, #"{"QUERY_ID":"f5","QUERY_TYPE":"CREATE_NETWORK_POLICY","QUERY_TEXT":"create network policy corp allowed_ip_list=('10.0.0.0/8')"}"#),
        .init("snowflake", "query_history", "ALTER", .policyUpdate, #"{"QUERY_ID":"f6","QUERY_TYPE":"ALTER","QUERY_TEXT":"ALTER  PASSWORD\n POLICY strong SET PASSWORD_MIN_LENGTH = 14"}"#),
        .init("snowflake", "query_history", "DROP_USER", .userDelete, #"{"QUERY_ID":"f7","QUERY_TYPE":"DROP_USER","QUERY_TEXT":null}"#),
        .init("snowflake", "query_history", "USE", .none, #"{"QUERY_ID":"f8","QUERY_TYPE":"USE","QUERY_TEXT":"USE WAREHOUSE compute_wh"}"#),
    ]

    static let veevaVault: [CatalogueCase] = [
        .init("veeva-vault", "audittrail", "User Logout", .authenticationLogout, #"{"id":"v1","timestamp":"2024-05-07T20:18:07Z","type":"User Logout","user_name":"a@x.io"}"#),
        .init("veeva-vault", "audittrail", "Delete", .userDelete, #"{"id":"v2","action":"Delete","item":"User : Ann Example","event_description":"User : Ann Example deleted"}"#),
        .init("veeva-vault", "audittrail", "Create", .groupCreate, #"{"id":"v3","action":"Create","item":"auditors","event_description":"Group \"auditors\" created"}"#),
        .init("veeva-vault", "audittrail", "Delete", .integrationDelete, #"{"id":"v4","action":"Delete","item":"Connection : crm","event_description":"Connection : crm deleted"}"#),
        .init("veeva-vault", "audittrail", "Edit", .policyUpdate, #"{"id":"v5","action":"Edit","item":"Security Policy : strict","event_description":"\"Minimum length\" changed from \"8\" to \"12\""}"#),
        .init("veeva-vault", "audittrail", "Delete", .roleDelete, #"{"id":"v7","action":"Delete","item":"Permission Set : auditors","event_description":"Permission Set : auditors deleted"}"#),
        .init("veeva-vault", "audittrail", "Edit", .permissionAdd, #"{"id":"v8","action":"Edit","item":"ann@acme.com (Ann)","event_description":"Security profile for \"ann@acme.com\" was changed from \"Business Admin\" to \"System Admin\""}"#),
        .init("veeva-vault", "audittrail", "Vault Maintenance Notice", .none, #"{"id":"v6","type":"Vault Maintenance Notice"}"#),
    ]

    static let workday: [CatalogueCase] = [
        .init("workday", "activity_logging", "Inactivate Workday Account", .userDelete, #"{"requestTime":"2024-04-18T17:04:59.204Z","taskDisplayName":"Inactivate Workday Account","activityAction":"WRITE","systemAccount":"a"}"#),
        .init("workday", "activity_logging", "Edit Role-Based Security Group", .groupUpdate, #"{"taskDisplayName":"Edit Role-Based Security Group","activityAction":"WRITE"}"#),
        .init("workday", "activity_logging", "Edit Role-Based Security Group", .groupRead, #"{"taskDisplayName":"Edit Role-Based Security Group","activityAction":"READ"}"#),
        .init("workday", "activity_logging", "Assign Roles", .permissionAdd, #"{"taskDisplayName":"Assign Roles","activityAction":"WRITE"}"#),
        .init("workday", "activity_logging", "Edit Assignable Roles", .roleUpdate, #"{"taskDisplayName":"Edit Assignable Roles","activityAction":"WRITE"}"#),
        .init("workday", "activity_logging", "Edit Authentication Policy", .policyUpdate, #"{"taskDisplayName":"Edit Authentication Policy","activityAction":"WRITE"}"#),
        .init("workday", "activity_logging", "Sign In", .authenticationLogin, #"{"taskDisplayName":"Sign In"}"#),
        .init("workday", "activity_logging", "Find Workers", .none, #"{"taskDisplayName":"Find Workers","activityAction":"READ"}"#),
    ]

    static let appOmni: [CatalogueCase] = [
        .init("appomni", "auditlogs", "user_login", .authenticationLogin, #"{"log_id":"o1","action_at":"2023-06-15T02:02:19.147946+00:00","action_type":"user_login","action_data":{"user_username":"ann"}}"#),
        .init("appomni", "auditlogs", "user_mfa_enabled", .mfaEnroll, #"{"log_id":"o2","action_type":"user_mfa_enabled"}"#),
        .init("appomni", "auditlogs", "user_role_changed", .permissionAdd, #"{"log_id":"o3","action_type":"user_role_changed"}"#),
        .init("appomni", "auditlogs", "monitored_service_deleted", .integrationDelete, #"{"log_id":"o4","action_type":"monitored_service_deleted"}"#),
        .init("appomni", "auditlogs", "group_member_removed", .groupMemberRemove, #"{"log_id":"o6","action_type":"group_member_removed"}"#),
        .init("appomni", "auditlogs", "role_created", .roleCreate, #"{"log_id":"o7","action_type":"role_created"}"#),
        .init("appomni", "auditlogs", "rule_updated", .resourceUpdate, #"{"log_id":"o5","action_type":"rule_updated"}"#),
    ]

    static let kandji: [CatalogueCase] = [
        .init("kandji", "audit_events", "create", .policyCreate, #"{"id":"k1","action":"create","occurred_at":"2024-11-26T22:58:26.239570Z","actor_id":"u1","actor_type":"user","target_type":"blueprint"}"#),
        .init("kandji", "audit_events", "delete", .userDelete, #"{"id":"k2","action":"delete","target_type":"directory_user"}"#),
        .init("kandji", "audit_events", "update", .userUpdate, #"{"id":"k3","action":"update","target_type":"admin_user"}"#),
        .init("kandji", "audit_events", "create", .integrationCreate, #"{"id":"k4","action":"create","target_type":"api_token"}"#),
        .init("kandji", "audit_events", "view", .resourceRead, #"{"id":"k5","action":"view","target_type":"filevault_key"}"#),
        .init("kandji", "audit_events", "lock", .resourceUpdate, #"{"id":"k6","action":"lock","target_type":"device"}"#),
    ]

    @Test(arguments: box + github + salesforce + serviceNow)
    func collaborationAndPlatforms(_ testCase: CatalogueCase) throws { try testCase.check() }

    @Test(arguments: slack + snowflake + veevaVault + workday + appOmni + kandji)
    func businessApplications(_ testCase: CatalogueCase) throws { try testCase.check() }
}
