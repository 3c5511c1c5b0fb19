import Normalizers
import RelayCore
import Testing
@testable import Vendors

/// Hand-written events in the vendor's documented shape, one per verb/object family.
@Suite struct SlackFamilyTests {
    static let cases: [CatalogueCase] = [
        .init("slack", "audit_logs", "user_login", .authenticationLogin, #"{"id":"sf1","date_create":1686089206,"action":"user_login","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "user_logout", .authenticationLogout, #"{"id":"sf2","date_create":1686089206,"action":"user_logout","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "bulk_session_reset_by_admin", .authenticationLogout, #"{"id":"sf3","date_create":1686089206,"action":"bulk_session_reset_by_admin","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "user_passkey_created", .mfaEnroll, #"{"id":"sf4","date_create":1686089206,"action":"user_passkey_created","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "user_passkey_removed", .mfaUnenroll, #"{"id":"sf5","date_create":1686089206,"action":"user_passkey_removed","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "user_created", .userCreate, #"{"id":"sf6","date_create":1686089206,"action":"user_created","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "user_username_updated", .userUpdate, #"{"id":"sf7","date_create":1686089206,"action":"user_username_updated","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "guest_expired", .userDelete, #"{"id":"sf8","date_create":1686089206,"action":"guest_expired","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "workspace_created", .groupCreate, #"{"id":"sf9","date_create":1686089206,"action":"workspace_created","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "usergroup_updated", .groupUpdate, #"{"id":"sf10","date_create":1686089206,"action":"usergroup_updated","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "organization_deleted", .groupDelete, #"{"id":"sf11","date_create":1686089206,"action":"organization_deleted","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "user_channel_join", .groupMemberAdd, #"{"id":"sf12","date_create":1686089206,"action":"user_channel_join","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "user_removed_from_usergroup", .groupMemberRemove, #"{"id":"sf13","date_create":1686089206,"action":"user_removed_from_usergroup","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "role_created", .roleCreate, #"{"id":"sf14","date_create":1686089206,"action":"role_created","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "role_updated", .roleUpdate, #"{"id":"sf15","date_create":1686089206,"action":"role_updated","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "role_deleted", .roleDelete, #"{"id":"sf16","date_create":1686089206,"action":"role_deleted","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "role_assigned", .permissionAdd, #"{"id":"sf17","date_create":1686089206,"action":"role_assigned","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "canvas_access_revoked", .permissionRemove, #"{"id":"sf18","date_create":1686089206,"action":"canvas_access_revoked","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "auth_policy_created", .policyCreate, #"{"id":"sf19","date_create":1686089206,"action":"auth_policy_created","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "pref.session_duration_changed", .policyUpdate, #"{"id":"sf20","date_create":1686089206,"action":"pref.session_duration_changed","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "idp_configuration_deleted", .policyDelete, #"{"id":"sf21","date_create":1686089206,"action":"idp_configuration_deleted","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "org_app_installed", .integrationCreate, #"{"id":"sf22","date_create":1686089206,"action":"org_app_installed","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "bot_token_downgraded", .integrationUpdate, #"{"id":"sf23","date_create":1686089206,"action":"bot_token_downgraded","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "app_deleted", .integrationDelete, #"{"id":"sf24","date_create":1686089206,"action":"app_deleted","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "canvas_created", .resourceCreate, #"{"id":"sf25","date_create":1686089206,"action":"canvas_created","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "canvas_opened", .resourceRead, #"{"id":"sf26","date_create":1686089206,"action":"canvas_opened","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "list_row_updated", .resourceUpdate, #"{"id":"sf27","date_create":1686089206,"action":"list_row_updated","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "list_deleted", .resourceDelete, #"{"id":"sf28","date_create":1686089206,"action":"list_deleted","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "manual_export_downloaded", .resourceDownload, #"{"id":"sf29","date_create":1686089206,"action":"manual_export_downloaded","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "huddle_started", .none, #"{"id":"sf30","date_create":1686089206,"action":"huddle_started","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "anomaly", .none, #"{"id":"sf31","date_create":1686089206,"action":"anomaly","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"}}"#),
        .init("slack", "audit_logs", "pref.two_factor_auth_changed", .mfaUnenroll, #"{"id":"sf32","date_create":1686089206,"action":"pref.two_factor_auth_changed","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"},"details":{"new_value":"DISABLED","previous_value":"ENABLED"}}"#),
        .init("slack", "audit_logs", "team_authorized_ip_range_set", .policyCreate, #"{"id":"sf33","date_create":1686089206,"action":"team_authorized_ip_range_set","actor":{"type":"user","user":{"id":"W1","name":"ann","email":"ann@example.com"}},"context":{"ip_address":"198.51.100.7"},"details":{"ip_ranges":["198.51.100.0/24"]}}"#),
    ]

    @Test(arguments: cases) func family(_ testCase: CatalogueCase) throws {
        try testCase.check()
    }
}
