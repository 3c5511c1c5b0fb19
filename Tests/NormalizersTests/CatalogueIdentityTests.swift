import Normalizers
import Vendors
import RelayCore
import Testing

/// Events beyond the EMM samples, written from each identity vendor's documented catalogue: sign-in,
/// sign-out, MFA, user/group/role/permission and policy changes, and an unknown event.
@Suite struct CatalogueIdentityTests {
    static let okta: [CatalogueCase] = [
        .init("okta", "system_log", "user.authentication.sso", .authenticationLogin, #"{"uuid":"u1","published":"2024-01-02T03:04:05.000Z","eventType":"user.authentication.sso","actor":{"alternateId":"a@x.io"}}"#),
        .init("okta", "system_log", "user.session.end", .authenticationLogout, #"{"uuid":"u2","eventType":"user.session.end"}"#),
        .init("okta", "system_log", "user.authentication.auth_via_mfa", .authenticationMFA, #"{"uuid":"u3","eventType":"user.authentication.auth_via_mfa"}"#),
        .init("okta", "system_log", "user.mfa.factor.reset_all", .mfaUnenroll, #"{"uuid":"u4","eventType":"user.mfa.factor.reset_all"}"#),
        .init("okta", "system_log", "user.lifecycle.suspend", .userUpdate, #"{"uuid":"u5","eventType":"user.lifecycle.suspend"}"#),
        .init("okta", "system_log", "group.user_membership.add", .groupMemberAdd, #"{"uuid":"u6","eventType":"group.user_membership.add"}"#),
        .init("okta", "system_log", "iam.role.update", .roleUpdate, #"{"uuid":"u7","eventType":"iam.role.update"}"#),
        .init("okta", "system_log", "group.privilege.revoke", .permissionRemove, #"{"uuid":"u8","eventType":"group.privilege.revoke"}"#),
        .init("okta", "system_log", "policy.lifecycle.update", .policyUpdate, #"{"uuid":"u9","eventType":"policy.lifecycle.update"}"#),
        .init("okta", "system_log", "security.authenticator.lifecycle.deactivate", .policyUpdate, #"{"uuid":"u11","eventType":"security.authenticator.lifecycle.deactivate"}"#),
        .init("okta", "system_log", "system.org.rate_limit.warning", .none, #"{"uuid":"u10","eventType":"system.org.rate_limit.warning"}"#),
    ]

    static let onelogin: [CatalogueCase] = [
        .init("onelogin", "events", "USER_LOGGED_INTO_ONELOGIN", .authenticationLogin, #"{"id":1,"event_type_id":5,"user_name":"Ann"}"#),
        .init("onelogin", "events", "USER_FAILED_ONELOGIN_LOGIN", .authenticationLogin, #"{"id":2,"event_type_id":6}"#),
        .init("onelogin", "events", "USER_LOGGED_OUT_OF_ONELOGIN", .authenticationLogout, #"{"id":3,"event_type_id":7}"#),
        .init("onelogin", "events", "USER_REMOVED_OTP_DEVICE", .mfaUnenroll, #"{"id":4,"event_type_id":24}"#),
        .init("onelogin", "events", "DEACTIVATED_USER", .userUpdate, #"{"id":5,"event_type_id":15}"#),
        .init("onelogin", "events", "USER_MANUALLY_ADDED_TO_ROLE", .permissionAdd, #"{"id":6,"event_type_id":"147"}"#),
        .init("onelogin", "events", "USER_MANUALLY_REMOVED_FROM_ROLE", .permissionRemove, #"{"id":7,"event_type_id":148}"#),
        .init("onelogin", "events", "GROUP_CREATED", .groupCreate, #"{"id":8,"event_type_id":3020}"#),
        .init("onelogin", "events", "POLICY_UPDATED", .policyUpdate, #"{"id":9,"event_type_id":157}"#),
        .init("onelogin", "events", "UPDATED_USER", .groupMemberAdd, #"{"id":10,"event_type_id":14,"notes":"changed Group to admins"}"#),
        .init("onelogin", "events", "USER_LOGIN_CHALLENGE_FAILED", .authenticationMFA, #"{"id":12,"event_type_id":1002}"#),
        .init("onelogin", "events", "ROLE_DELETED", .roleDelete, #"{"id":13,"event_type_id":1802,"role_name":"admins"}"#),
        // An id missing from the catalogue keeps its number as the name.
        .init("onelogin", "events", "99999", .none, #"{"id":11,"event_type_id":99999}"#),
    ]

    static let pingone: [CatalogueCase] = [
        .init("pingone", "activities", "SESSION.CREATED", .authenticationLogin, #"{"id":"p1","recordedAt":"2024-04-16T20:32:29.433Z","action":{"type":"SESSION.CREATED"}}"#),
        .init("pingone", "activities", "PASSWORD.CHECK_FAILED", .authenticationLogin, #"{"id":"p2","action":{"type":"PASSWORD.CHECK_FAILED"}}"#),
        .init("pingone", "activities", "DEVICE.CREATED", .mfaEnroll, #"{"id":"p3","action":{"type":"DEVICE.CREATED"}}"#),
        .init("pingone", "activities", "USER.UPDATED", .mfaEnroll, #"{"id":"p4","action":{"type":"USER.UPDATED"},"_embedded":{"modifiedAttributes":["mfaEnabled"]},"result":{"description":"MFA enabled for User bob"}}"#),
        .init("pingone", "activities", "SESSION.DELETED", .authenticationLogout, #"{"id":"p10","action":{"type":"SESSION.DELETED"},"resources":[{"type":"USER","name":"bob","id":"u1"}]}"#),
        .init("pingone", "activities", "PASSWORD.RESET", .userUpdate, #"{"id":"p11","action":{"type":"PASSWORD.RESET"}}"#),
        .init("pingone", "activities", "GROUP.DELETED", .groupDelete, #"{"id":"p5","action":{"type":"GROUP.DELETED"}}"#),
        .init("pingone", "activities", "MEMBER_OF_GROUP.CREATED", .groupMemberAdd, #"{"id":"p6","action":{"type":"MEMBER_OF_GROUP.CREATED"}}"#),
        .init("pingone", "activities", "ROLE_ASSIGNMENT.CREATED", .permissionAdd, #"{"id":"p7","action":{"type":"ROLE_ASSIGNMENT.CREATED"}}"#),
        .init("pingone", "activities", "SIGN_ON_POLICY.UPDATED", .policyUpdate, #"{"id":"p8","action":{"type":"SIGN_ON_POLICY.UPDATED"}}"#),
        .init("pingone", "activities", "ENVIRONMENT.LICENSE_EXPIRING", .none, #"{"id":"p9","action":{"type":"ENVIRONMENT.LICENSE_EXPIRING"}}"#),
    ]

    static let duo: [CatalogueCase] = [
        .init("duo", "administrator", "admin_login_error", .authenticationLogin, #"{"action":"admin_login_error","username":"Ann","timestamp":1716491848}"#),
        .init("duo", "administrator", "admin_logout", .authenticationLogout, #"{"action":"admin_logout","username":"Ann"}"#),
        .init("duo", "administrator", "webauthncredential_delete", .mfaUnenroll, #"{"action":"webauthncredential_delete","username":"Ann"}"#),
        .init("duo", "administrator", "user_delete", .userDelete, #"{"action":"user_delete","username":"Ann","object":"bob"}"#),
        .init("duo", "administrator", "user_update", .groupMemberAdd, #"{"action":"user_update","username":"Ann","description":"{\"groups\":[{\"name\":\"admins\"}]}"}"#),
        .init("duo", "administrator", "group_update", .groupUpdate, #"{"action":"group_update","username":"Ann"}"#),
        .init("duo", "administrator", "policy_update", .policyUpdate, #"{"action":"policy_update","username":"Ann"}"#),
        .init("duo", "administrator", "integration_skey_view", .integrationRead, #"{"action":"integration_skey_view","username":"Ann"}"#),
        .init("duo", "authentication", "authentication", .authenticationMFA, #"{"txid":"t1","isotimestamp":"2024-05-21T18:08:48.081423+00:00","result":"SUCCESS","user":{"name":"bob"}}"#),
        .init("duo", "authentication", "enrollment", .mfaEnroll, #"{"txid":"t2","event_type":"enrollment","user":{"name":"bob"}}"#),
        .init("duo", "administrator", "trusted_endpoints_config_read", .policyRead, #"{"action":"trusted_endpoints_config_read"}"#),
    ]

    static let googleWorkspace: [CatalogueCase] = [
        .init("google-workspace", "activities", "login_failure", .authenticationLogin, #"{"id":{"uniqueQualifier":"1","time":"2024-01-01T00:00:00Z","applicationName":"login"},"events":[{"name":"login_failure"}]}"#),
        .init("google-workspace", "activities", "logout", .authenticationLogout, #"{"id":{"uniqueQualifier":"2"},"events":[{"name":"logout"}]}"#),
        .init("google-workspace", "activities", "login_verification", .authenticationMFA, #"{"id":{"uniqueQualifier":"3"},"events":[{"name":"login_verification"}]}"#),
        .init("google-workspace", "activities", "2sv_enroll", .mfaEnroll, #"{"id":{"uniqueQualifier":"4"},"events":[{"name":"2sv_enroll"}]}"#),
        .init("google-workspace", "activities", "SUSPEND_USER", .userUpdate, #"{"id":{"uniqueQualifier":"5"},"events":[{"name":"SUSPEND_USER"}]}"#),
        .init("google-workspace", "activities", "CREATE_GROUP", .groupCreate, #"{"id":{"uniqueQualifier":"6"},"events":[{"name":"CREATE_GROUP"}]}"#),
        .init("google-workspace", "activities", "ASSIGN_ROLE", .permissionAdd, #"{"id":{"uniqueQualifier":"7"},"events":[{"name":"ASSIGN_ROLE"}]}"#),
        .init("google-workspace", "activities", "RENAME_ROLE", .roleUpdate, #"{"id":{"uniqueQualifier":"8"},"events":[{"name":"RENAME_ROLE"}]}"#),
        .init("google-workspace", "activities", "CHANGE_SSO_SETTINGS", .policyUpdate, #"{"id":{"uniqueQualifier":"9"},"events":[{"name":"CHANGE_SSO_SETTINGS"}]}"#),
        .init("google-workspace", "activities", "authorize", .integrationCreate, #"{"id":{"uniqueQualifier":"10","applicationName":"token"},"events":[{"name":"authorize"}]}"#),
        .init("google-workspace", "activities", "calendar_event_viewed", .resourceRead, #"{"id":{"uniqueQualifier":"11"},"events":[{"name":"calendar_event_viewed"}]}"#),
    ]

    static let microsoft365: [CatalogueCase] = [
        .init("microsoft-365", "Audit.AzureActiveDirectory", "UserLoginFailed", .authenticationLogin, #"{"Id":"m1","CreationTime":"2024-05-01T03:59:39","Operation":"UserLoginFailed","UserId":"a@x.io"}"#),
        .init("microsoft-365", "Audit.AzureActiveDirectory", "UserLoggedIn", .authenticationLogin, #"{"Id":"m2","Operation":"UserLoggedIn","ExtendedProperties":[{"Name":"RequestType","Value":"OAuth2:Authorize"}]}"#),
        .init("microsoft-365", "Audit.AzureActiveDirectory", "Update user.", .mfaUnenroll, #"{"Id":"m3","Operation":"Update user.","ModifiedProperties":[{"Name":"StrongAuthenticationMethod","NewValue":"[]","OldValue":"[{\"MethodType\":6}]"}]}"#),
        .init("microsoft-365", "Audit.AzureActiveDirectory", "Reset user password.", .userUpdate, #"{"Id":"m4","Operation":"Reset user password."}"#),
        .init("microsoft-365", "Audit.AzureActiveDirectory", "Remove member from role.", .permissionRemove, #"{"Id":"m5","Operation":"Remove member from role."}"#),
        .init("microsoft-365", "Audit.AzureActiveDirectory", "Delete role definition.", .roleDelete, #"{"Id":"m6","Operation":"Delete role definition."}"#),
        .init("microsoft-365", "Audit.AzureActiveDirectory", "Update conditional access policy.", .policyUpdate, #"{"Id":"m7","Operation":"Update conditional access policy."}"#),
        .init("microsoft-365", "Audit.Exchange", "Remove-DistributionGroupMember", .groupMemberRemove, #"{"Id":"m8","Operation":"Remove-DistributionGroupMember"}"#),
        .init("microsoft-365", "Audit.Exchange", "Remove-AntiPhishPolicy", .policyDelete, #"{"Id":"m9","Operation":"Remove-AntiPhishPolicy"}"#),
        .init("microsoft-365", "Audit.SharePoint", "SharingSet", .permissionAdd, #"{"Id":"m10","Operation":"SharingSet"}"#),
        .init("microsoft-365", "Audit.General", "MemberRemoved", .groupMemberRemove, #"{"Id":"m11","Operation":"MemberRemoved","Workload":"MicrosoftTeams"}"#),
        .init("microsoft-365", "Audit.General", "SearchQueryPerformed", .resourceRead, #"{"Id":"m12","Operation":"SearchQueryPerformed"}"#),
    ]

    static let conductorOne: [CatalogueCase] = [
        .init("conductor-one", "system_log", "Logon", .authenticationLogin, #"{"class_uid":3002,"activity_id":1,"activity_name":"Logon","metadata":{"uid":"c1"}}"#),
        .init("conductor-one", "system_log", "Logoff", .authenticationLogout, #"{"class_uid":3002,"activity_id":2,"activity_name":"Logoff","metadata":{"uid":"c2"}}"#),
        .init("conductor-one", "system_log", "MFA Factor Enable", .mfaEnroll, #"{"class_uid":3001,"activity_id":10,"activity_name":"MFA Factor Enable","metadata":{"uid":"c3"}}"#),
        .init("conductor-one", "system_log", "Create", .userCreate, #"{"class_uid":3001,"activity_id":1,"activity_name":"Create","metadata":{"uid":"c4"}}"#),
        .init("conductor-one", "system_log", "Add User", .groupMemberAdd, #"{"class_uid":3006,"activity_id":3,"activity_name":"Add User","metadata":{"uid":"c5"}}"#),
        .init("conductor-one", "system_log", "Assign Privileges", .permissionAdd, #"{"class_uid":3005,"activity_id":1,"activity_name":"Assign Privileges","metadata":{"uid":"c6"}}"#),
        .init("conductor-one", "system_log", "Revoke Privileges", .permissionRemove, #"{"class_uid":3005,"activity_id":2,"activity_name":"Revoke Privileges","metadata":{"uid":"c7"}}"#),
        .init("conductor-one", "system_log", "c1.api.policy.v1.Policies/Update", .resourceUpdate, #"{"class_uid":6003,"activity_id":3,"api":{"operation":"c1.api.policy.v1.Policies/Update"},"metadata":{"uid":"c8"}}"#),
        .init("conductor-one", "system_log", "Detection Finding", .none, #"{"class_uid":2004,"activity_id":1,"class_name":"Detection Finding","metadata":{"uid":"c9"}}"#),
    ]

    static let endorLabs: [CatalogueCase] = [
        .init("endor-labs", "audit_logs", "USER_LOGIN", .authenticationLogin, #"{"uuid":"e1","meta":{"create_time":"2024-11-13T15:30:45.123456Z"},"spec":{"operation":"USER_LOGIN","message_kind":"AuthenticationLog"}}"#),
        .init("endor-labs", "audit_logs", "OPERATION_CREATE", .permissionAdd, #"{"uuid":"e2","spec":{"operation":"OPERATION_CREATE","message_kind":"AuthorizationPolicy"}}"#),
        .init("endor-labs", "audit_logs", "OPERATION_DELETE", .permissionRemove, #"{"uuid":"e3","spec":{"operation":"OPERATION_DELETE","message_kind":"AuthorizationPolicy"}}"#),
        .init("endor-labs", "audit_logs", "OPERATION_UPDATE", .policyUpdate, #"{"uuid":"e4","spec":{"operation":"OPERATION_UPDATE","message_kind":"Policy"}}"#),
        .init("endor-labs", "audit_logs", "OPERATION_CREATE", .integrationCreate, #"{"uuid":"e5","spec":{"operation":"OPERATION_CREATE","message_kind":"APIKey"}}"#),
        .init("endor-labs", "audit_logs", "OPERATION_CREATE", .userCreate, #"{"uuid":"e6","spec":{"operation":"OPERATION_CREATE","message_kind":"Invitation"}}"#),
        .init("endor-labs", "audit_logs", "OPERATION_DELETE", .resourceDelete, #"{"uuid":"e7","spec":{"operation":"OPERATION_DELETE","message_kind":"Project"}}"#),
        .init("endor-labs", "audit_logs", "OPERATION_UNSPECIFIED", .none, #"{"uuid":"e8","spec":{"operation":"OPERATION_UNSPECIFIED"}}"#),
    ]

    @Test(arguments: okta + onelogin + pingone + duo)
    func identityProviders(_ testCase: CatalogueCase) throws { try testCase.check() }

    @Test(arguments: googleWorkspace + microsoft365 + conductorOne + endorLabs)
    func suites(_ testCase: CatalogueCase) throws { try testCase.check() }
}
