import Normalizers
import RelayCore
import Testing
import Vendors

/// Duo Admin API administrator and authentication log entries in Duo's documented shape, one per
/// verb/object family, and administrator changes whose direction is only in `description`'s
/// old/new values (a role raised or lowered, a user put into bypass, groups or phones added).
@Suite struct DuoFamilyTests {
    static let cases: [CatalogueCase] = [
        .init("duo", "administrator", "admin_login", .authenticationLogin, #"{"action":"admin_login","isotimestamp":"2026-11-02T10:01:00+00:00","object":"bob","timestamp":1793613601,"username":"Ada Admin","description":{"ip_address":"203.0.113.7","device":"555-0100","factor":"push"}}"#),
        .init("duo", "administrator", "admin_login_error", .authenticationLogin, #"{"action":"admin_login_error","isotimestamp":"2026-11-02T10:02:00+00:00","object":"bob","timestamp":1793613602,"username":"Ada Admin","description":{"ip_address":"203.0.113.7","error":"Invalid password"}}"#),
        .init("duo", "administrator", "admin_logout", .authenticationLogout, #"{"action":"admin_logout","isotimestamp":"2026-11-02T10:03:00+00:00","object":"bob","timestamp":1793613603,"username":"Ada Admin"}"#),
        .init("duo", "administrator", "admin_2fa_error", .authenticationMFA, #"{"action":"admin_2fa_error","isotimestamp":"2026-11-02T10:04:00+00:00","object":"bob","timestamp":1793613604,"username":"Ada Admin","description":{"factor":"push","error":"Login request denied"}}"#),
        .init("duo", "administrator", "webauthncredential_create", .mfaEnroll, #"{"action":"webauthncredential_create","isotimestamp":"2026-11-02T10:05:00+00:00","object":"bob","timestamp":1793613605,"username":"Ada Admin"}"#),
        .init("duo", "administrator", "webauthncredential_delete", .mfaUnenroll, #"{"action":"webauthncredential_delete","isotimestamp":"2026-11-02T10:06:00+00:00","object":"bob","timestamp":1793613606,"username":"Ada Admin"}"#),
        .init("duo", "administrator", "phone_associate", .mfaEnroll, #"{"action":"phone_associate","isotimestamp":"2026-11-02T10:07:00+00:00","object":"bob","timestamp":1793613607,"username":"Ada Admin","description":{"number":"+15550100"}}"#),
        .init("duo", "administrator", "phone_disassociate", .mfaUnenroll, #"{"action":"phone_disassociate","isotimestamp":"2026-11-02T10:08:00+00:00","object":"bob","timestamp":1793613608,"username":"Ada Admin","description":{"number":"+15550100"}}"#),
        .init("duo", "administrator", "user_create", .userCreate, #"{"action":"user_create","isotimestamp":"2026-11-02T10:09:00+00:00","object":"bob","timestamp":1793613609,"username":"Ada Admin","description":{"realname":"Bob Jones","email":"bob@example.com","status":"Active"}}"#),
        .init("duo", "administrator", "user_update", .userUpdate, #"{"action":"user_update","isotimestamp":"2026-11-02T10:10:00+00:00","object":"bob","timestamp":1793613610,"username":"Ada Admin","description":{"realname":"Bob Jones"}}"#),
        .init("duo", "administrator", "user_delete", .userDelete, #"{"action":"user_delete","isotimestamp":"2026-11-02T10:11:00+00:00","object":"bob","timestamp":1793613611,"username":"Ada Admin","description":{}}"#),
        .init("duo", "administrator", "bypass_view", .userRead, #"{"action":"bypass_view","isotimestamp":"2026-11-02T10:12:00+00:00","object":"bob","timestamp":1793613612,"username":"Ada Admin"}"#),
        .init("duo", "administrator", "group_create", .groupCreate, #"{"action":"group_create","isotimestamp":"2026-11-02T10:13:00+00:00","object":"bob","timestamp":1793613613,"username":"Ada Admin","description":{"name":"Contractors","status":"Active"}}"#),
        .init("duo", "administrator", "group_update", .groupUpdate, #"{"action":"group_update","isotimestamp":"2026-11-02T10:14:00+00:00","object":"bob","timestamp":1793613614,"username":"Ada Admin","description":{"desc":"External staff"}}"#),
        .init("duo", "administrator", "group_delete", .groupDelete, #"{"action":"group_delete","isotimestamp":"2026-11-02T10:15:00+00:00","object":"bob","timestamp":1793613615,"username":"Ada Admin","description":{"name":"Contractors"}}"#),
        .init("duo", "administrator", "user_update", .groupMemberAdd, #"{"action":"user_update","isotimestamp":"2026-11-02T10:16:00+00:00","object":"bob","timestamp":1793613616,"username":"Ada Admin","description":{"groups":[{"name":"Contractors"}]}}"#),
        .init("duo", "administrator", "user_update", .groupMemberRemove, #"{"action":"user_update","isotimestamp":"2026-11-02T10:17:00+00:00","object":"bob","timestamp":1793613617,"username":"Ada Admin","description":{"groups":[null]}}"#),
        .init("duo", "administrator", "policy_create", .policyCreate, #"{"action":"policy_create","isotimestamp":"2026-11-02T10:18:00+00:00","object":"bob","timestamp":1793613618,"username":"Ada Admin","description":{"policy_name":"Require MFA"}}"#),
        .init("duo", "administrator", "policy_update", .policyUpdate, #"{"action":"policy_update","isotimestamp":"2026-11-02T10:19:00+00:00","object":"bob","timestamp":1793613619,"username":"Ada Admin","description":{"policy_name":"Require MFA"}}"#),
        .init("duo", "administrator", "policy_delete", .policyDelete, #"{"action":"policy_delete","isotimestamp":"2026-11-02T10:20:00+00:00","object":"bob","timestamp":1793613620,"username":"Ada Admin","description":{"policy_name":"Require MFA"}}"#),
        .init("duo", "administrator", "integration_group_policy_add", .policyUpdate, #"{"action":"integration_group_policy_add","isotimestamp":"2026-11-02T10:21:00+00:00","object":"bob","timestamp":1793613621,"username":"Ada Admin"}"#),
        .init("duo", "administrator", "integration_create", .integrationCreate, #"{"action":"integration_create","isotimestamp":"2026-11-02T10:22:00+00:00","object":"bob","timestamp":1793613622,"username":"Ada Admin","description":{"name":"VPN","type":"RADIUS"}}"#),
        .init("duo", "administrator", "integration_update", .integrationUpdate, #"{"action":"integration_update","isotimestamp":"2026-11-02T10:23:00+00:00","object":"bob","timestamp":1793613623,"username":"Ada Admin","description":{"name":"VPN"}}"#),
        .init("duo", "administrator", "integration_delete", .integrationDelete, #"{"action":"integration_delete","isotimestamp":"2026-11-02T10:24:00+00:00","object":"bob","timestamp":1793613624,"username":"Ada Admin","description":{"name":"VPN"}}"#),
        .init("duo", "administrator", "integration_skey_view", .integrationRead, #"{"action":"integration_skey_view","isotimestamp":"2026-11-02T10:25:00+00:00","object":"bob","timestamp":1793613625,"username":"Ada Admin","description":{"name":"VPN"}}"#),
        .init("duo", "administrator", "administrative_unit_create", .resourceCreate, #"{"action":"administrative_unit_create","isotimestamp":"2026-11-02T10:26:00+00:00","object":"bob","timestamp":1793613626,"username":"Ada Admin","description":{"name":"EMEA"}}"#),
        .init("duo", "administrator", "custom_messaging_update", .resourceUpdate, #"{"action":"custom_messaging_update","isotimestamp":"2026-11-02T10:27:00+00:00","object":"bob","timestamp":1793613627,"username":"Ada Admin","description":{"help_links":[]}}"#),
        .init("duo", "administrator", "hardtoken_delete", .resourceDelete, #"{"action":"hardtoken_delete","isotimestamp":"2026-11-02T10:28:00+00:00","object":"bob","timestamp":1793613628,"username":"Ada Admin","description":{"serial":"123456"}}"#),
        .init("duo", "administrator", "openldap_sync_config_download", .resourceDownload, #"{"action":"openldap_sync_config_download","isotimestamp":"2026-11-02T10:29:00+00:00","object":"bob","timestamp":1793613629,"username":"Ada Admin"}"#),
        .init("duo", "administrator", "ad_sync_finish", .none, #"{"action":"ad_sync_finish","isotimestamp":"2026-11-02T10:30:00+00:00","object":"bob","timestamp":1793613630,"username":"Ada Admin"}"#),
        .init("duo", "administrator", "admin_update", .permissionAdd, #"{"action":"admin_update","isotimestamp":"2026-11-02T10:31:00+00:00","object":"bob","timestamp":1793613631,"username":"Ada Admin","description":{"role":{"old":"Help Desk","new":"Owner"}}}"#),
        .init("duo", "administrator", "admin_update", .permissionRemove, #"{"action":"admin_update","isotimestamp":"2026-11-02T10:32:00+00:00","object":"bob","timestamp":1793613632,"username":"Ada Admin","description":{"role":{"old":"Administrator","new":"Read-only"}}}"#),
        .init("duo", "administrator", "admin_update", .userUpdate, #"{"action":"admin_update","isotimestamp":"2026-11-02T10:33:00+00:00","object":"bob","timestamp":1793613633,"username":"Ada Admin","description":{"role":"Help Desk"}}"#),
        .init("duo", "administrator", "user_update", .mfaUnenroll, #"{"action":"user_update","isotimestamp":"2026-11-02T10:34:00+00:00","object":"bob","timestamp":1793613634,"username":"Ada Admin","description":{"status":{"old":"Active","new":"Bypass"}}}"#),
        .init("duo", "administrator", "user_update", .mfaUnenroll, #"{"action":"user_update","isotimestamp":"2026-11-02T10:35:00+00:00","object":"bob","timestamp":1793613635,"username":"Ada Admin","description":"{\"status\": \"Bypass\"}"}"#),
        .init("duo", "administrator", "user_update", .mfaEnroll, #"{"action":"user_update","isotimestamp":"2026-11-02T10:36:00+00:00","object":"bob","timestamp":1793613636,"username":"Ada Admin","description":{"status":{"old":"Bypass","new":"Active"}}}"#),
        .init("duo", "administrator", "user_update", .groupMemberRemove, #"{"action":"user_update","isotimestamp":"2026-11-02T10:37:00+00:00","object":"bob","timestamp":1793613637,"username":"Ada Admin","description":{"groups":{"old":["Contractors","Finance"],"new":["Finance"]}}}"#),
        .init("duo", "administrator", "user_update", .mfaEnroll, #"{"action":"user_update","isotimestamp":"2026-11-02T10:38:00+00:00","object":"bob","timestamp":1793613638,"username":"Ada Admin","description":{"phones":{"old":[],"new":["+15550100"]}}}"#),
        .init("duo", "authentication", "authentication", .authenticationMFA, #"{"txid":"tx-1","event_type":"authentication","result":"success","reason":"user_approved","factor":"duo_push","isotimestamp":"2026-11-02T11:00:00.000000+00:00","timestamp":1793617200,"user":{"name":"bob","key":"DU1"},"access_device":{"ip":"198.51.100.4"},"application":{"name":"VPN","key":"DI1"}}"#),
        .init("duo", "authentication", "enrollment", .mfaEnroll, #"{"txid":"tx-2","event_type":"enrollment","result":"success","factor":"duo_push","isotimestamp":"2026-11-02T11:01:00.000000+00:00","timestamp":1793617260,"user":{"name":"bob","key":"DU1"},"access_device":{"ip":"198.51.100.4"},"application":{"name":"VPN","key":"DI1"}}"#),
    ]

    @Test(arguments: cases) func family(_ testCase: CatalogueCase) throws { try testCase.check() }

    @Test func aDirectionDecisionNamesItsRule() throws {
        let record = try TestSupport.normalize(#"{"action":"admin_update","username":"Ada Admin","object":"Bob","timestamp":1793613600,"description":"{\"role\": {\"old\": \"Help Desk\", \"new\": \"Owner\"}}"}"#, "duo", "administrator")
        #expect(record.behavior == .permissionAdd)
        #expect(record.behaviorBasis == .vendor("duo.description.role raised"))
    }
}
