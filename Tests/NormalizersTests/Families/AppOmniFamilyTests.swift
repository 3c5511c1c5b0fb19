import Normalizers
import RelayCore
import Testing
@testable import Vendors

/// Hand-written events in the vendor's documented shape, one per verb/object family.
@Suite struct AppOmniFamilyTests {
    static let cases: [CatalogueCase] = [
        .init("appomni", "auditlogs", "user_login", .authenticationLogin, #"{"log_id":"af1","action_at":"2023-06-14T21:57:50.583325Z","action_type":"user_login","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "user_logout", .authenticationLogout, #"{"log_id":"af2","action_at":"2023-06-14T21:57:50.583325Z","action_type":"user_logout","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "user_mfa_enabled", .mfaEnroll, #"{"log_id":"af3","action_at":"2023-06-14T21:57:50.583325Z","action_type":"user_mfa_enabled","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "user_mfa_disabled", .mfaUnenroll, #"{"log_id":"af4","action_at":"2023-06-14T21:57:50.583325Z","action_type":"user_mfa_disabled","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "user_invited", .userCreate, #"{"log_id":"af5","action_at":"2023-06-14T21:57:50.583325Z","action_type":"user_invited","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "user_updated", .userUpdate, #"{"log_id":"af6","action_at":"2023-06-14T21:57:50.583325Z","action_type":"user_updated","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "user_deleted", .userDelete, #"{"log_id":"af7","action_at":"2023-06-14T21:57:50.583325Z","action_type":"user_deleted","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "group_created", .groupCreate, #"{"log_id":"af8","action_at":"2023-06-14T21:57:50.583325Z","action_type":"group_created","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "group_updated", .groupUpdate, #"{"log_id":"af9","action_at":"2023-06-14T21:57:50.583325Z","action_type":"group_updated","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "group_deleted", .groupDelete, #"{"log_id":"af10","action_at":"2023-06-14T21:57:50.583325Z","action_type":"group_deleted","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "group_member_added", .groupMemberAdd, #"{"log_id":"af11","action_at":"2023-06-14T21:57:50.583325Z","action_type":"group_member_added","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "group_member_removed", .groupMemberRemove, #"{"log_id":"af12","action_at":"2023-06-14T21:57:50.583325Z","action_type":"group_member_removed","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "role_created", .roleCreate, #"{"log_id":"af13","action_at":"2023-06-14T21:57:50.583325Z","action_type":"role_created","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "role_updated", .roleUpdate, #"{"log_id":"af14","action_at":"2023-06-14T21:57:50.583325Z","action_type":"role_updated","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "role_deleted", .roleDelete, #"{"log_id":"af15","action_at":"2023-06-14T21:57:50.583325Z","action_type":"role_deleted","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "permission_granted", .permissionAdd, #"{"log_id":"af16","action_at":"2023-06-14T21:57:50.583325Z","action_type":"permission_granted","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "permission_revoked", .permissionRemove, #"{"log_id":"af17","action_at":"2023-06-14T21:57:50.583325Z","action_type":"permission_revoked","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "ao_sys_setting_change", .policyUpdate, #"{"log_id":"af18","action_at":"2023-06-14T21:57:50.583325Z","action_type":"ao_sys_setting_change","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "monitored_service_created", .integrationCreate, #"{"log_id":"af19","action_at":"2023-06-14T21:57:50.583325Z","action_type":"monitored_service_created","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "sink_updated", .integrationUpdate, #"{"log_id":"af20","action_at":"2023-06-14T21:57:50.583325Z","action_type":"sink_updated","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "access_token_revoked", .integrationDelete, #"{"log_id":"af21","action_at":"2023-06-14T21:57:50.583325Z","action_type":"access_token_revoked","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "policy_created", .resourceCreate, #"{"log_id":"af22","action_at":"2023-06-14T21:57:50.583325Z","action_type":"policy_created","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "policy_updated", .resourceUpdate, #"{"log_id":"af23","action_at":"2023-06-14T21:57:50.583325Z","action_type":"policy_updated","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
        .init("appomni", "auditlogs", "policy_deleted", .resourceDelete, #"{"log_id":"af24","action_at":"2023-06-14T21:57:50.583325Z","action_type":"policy_deleted","user_id":7,"service_name":"Salesforce","action_data":{"user_username":"ann","user_ip":"198.51.100.2"}}"#),
    ]

    @Test(arguments: cases) func family(_ testCase: CatalogueCase) throws {
        try testCase.check()
    }
}
