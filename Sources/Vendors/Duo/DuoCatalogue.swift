import Normalizers
import RelayCore

extension VendorCatalogue {
    /// Duo Admin API administrator log `action` values, as listed under "Administrator Logs" at
    /// https://duo.com/docs/adminapi#administrator-logs (taken from the list Elastic's cisco_duo
    /// integration keeps of them, elastic/integrations packages/cisco_duo/data_stream/admin, plus the
    /// actions seen in real Duo administrator logs) — fetched 2026-12-06.
    static let duoAdministrator = VendorCatalogue(vendor: "duo", source: "https://duo.com/docs/adminapi#administrator-logs", rows: #"""
admin_2fa_error	authentication.mfa
admin_account_switch	authentication.login
admin_activation_create	user.create
admin_activation_delete	user.delete
admin_activate_duo_push	mfa.enroll
admin_create	user.create
admin_delete	user.delete
admin_factor_restrictions_update	policy.update
admin_login	authentication.login
admin_login_error	authentication.login
admin_reactivates_duo_push	mfa.enroll
admin_reset_password	user.update
admin_self_activate	mfa.enroll
admin_send_reset_password_email	user.update
admin_update	user.update
adminapi_request_ip_denied	-
bypass_create	user.update
bypass_delete	user.update
bypass_view	user.read
phone_associate	mfa.enroll
phone_create	resource.create
phone_delete	resource.delete
phone_disassociate	mfa.unenroll
phone_update	resource.update
group_create	group.create
group_delete	group.delete
group_update	group.update
user_bulk_activate	mfa.enroll
user_bulk_enroll	user.create
user_create	user.create
user_delete	user.delete
user_import	user.create
user_pending_delete	user.delete
user_restore	user.update
user_update	user.update
ad_sync_failed	-
azure_sync_fail	-
openldap_sync_failed	-
activation_create_link	mfa.enroll
activation_delete_link	-
activation_send_link	mfa.enroll
integration_group_policy_add	policy.update
integration_group_policy_remove	policy.update
policy_create	policy.create
policy_delete	policy.delete
policy_update	policy.update
ad_sync_by_user_begin	-
ad_sync_by_user_finish	-
azure_sync_by_user_begin	-
azure_sync_by_user_finish	-
openldap_sync_begin	-
openldap_sync_by_user_begin	-
ad_sync_begin	-
ad_sync_finish	-
azure_directory_create	integration.create
azure_directory_update	integration.update
azure_directory_delete	integration.delete
azure_sync_begin	-
azure_sync_finish	-
create_child_customer	resource.create
credits_update	-
customer_update	policy.update
delete_child_customer	resource.delete
directory_create	integration.create
directory_delete	integration.delete
directory_groups_update	integration.update
directory_sync_pause	integration.update
directory_sync_resume	integration.update
directory_update	integration.update
edition_update	-
feature_add	policy.update
feature_delete	policy.update
hardtoken_create	resource.create
hardtoken_delete	resource.delete
hardtoken_resync	resource.update
hardtoken_update	resource.update
integration_create	integration.create
integration_delete	integration.delete
integration_policy_assign	policy.update
integration_policy_unassign	policy.update
integration_skey_view	integration.read
integration_update	integration.update
openldap_sync_by_user_finish	-
openldap_sync_config_download	resource.download
openldap_sync_finish	-
regen_mobile	mfa.enroll
regen_sms	mfa.enroll
resend_enroll_codes	-
send_enroll_code	-
admin_logout	authentication.logout
webauthncredential_create	mfa.enroll
webauthncredential_delete	mfa.unenroll
administrative_unit_create	resource.create
custom_messaging_update	resource.update
cloudsso_add_saml_authsource	policy.create
token_create	resource.create
token_update	resource.update
token_delete	resource.delete
"""#)

    /// Duo authentication log `event_type` values (v2), https://duo.com/docs/adminapi#authentication-logs.
    static let duoAuthentication = VendorCatalogue(vendor: "duo", source: "https://duo.com/docs/adminapi#authentication-logs", rows: #"""
authentication	authentication.mfa
enrollment	mfa.enroll
"""#)
}

/// The vendor's published catalogue(s) of event names, each with the behavior rules that
/// classify its names; every decided name must classify as recorded (CatalogueTests).
extension DuoNormalizer {
    static let catalogued: [(catalogue: VendorCatalogue, rules: BehaviorRules)] = [
        (.duoAdministrator, DuoNormalizer.administratorRules),
        (.duoAuthentication, DuoNormalizer.authenticationRules),
    ]
}
