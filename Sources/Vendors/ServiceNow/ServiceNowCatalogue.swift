import Normalizers
import RelayCore

extension VendorCatalogue {
    /// System tables whose record changes matter, in the normalizer's `<table>:<create|update|delete>`
    /// key space (sys_audit rows, and sysevent `<table>.inserted|updated|deleted`). ServiceNow
    /// publishes no list of "security tables"; these are the identity, access-control, credential,
    /// integration and platform-code tables named in its platform-security and user-administration
    /// documentation, fetched 2026-12-06. Other tables fall back to record create/update/delete.
    static let serviceNowTables = VendorCatalogue(
        vendor: "servicenow", source: "https://www.servicenow.com/docs/bundle/yokohama-platform-security/page/administer/time/reference/r_SystemAuditLog.html",
        rows: #"""
sys_user:create	user.create
sys_user:update	user.update
sys_user:delete	user.delete
sys_user_group:create	group.create
sys_user_group:update	group.update
sys_user_group:delete	group.delete
sys_user_grmember:create	group.member.add
sys_user_grmember:update	group.update
sys_user_grmember:delete	group.member.remove
sys_user_role:create	role.create
sys_user_role:update	role.update
sys_user_role:delete	role.delete
sys_user_role_contains:create	role.update
sys_user_role_contains:update	role.update
sys_user_role_contains:delete	role.update
sys_user_has_role:create	permission.add
sys_user_has_role:update	permission.add
sys_user_has_role:delete	permission.remove
sys_group_has_role:create	permission.add
sys_group_has_role:update	permission.add
sys_group_has_role:delete	permission.remove
sys_user_delegate:create	permission.add
sys_user_delegate:update	permission.add
sys_user_delegate:delete	permission.remove
sys_user_preference:create	user.update
sys_user_preference:update	user.update
sys_user_preference:delete	user.update
user_multifactor_auth:create	mfa.enroll
user_multifactor_auth:update	mfa.enroll
user_multifactor_auth:delete	mfa.unenroll
sys_security_acl:create	policy.create
sys_security_acl:update	policy.update
sys_security_acl:delete	policy.delete
sys_security_acl_role:create	policy.update
sys_security_acl_role:update	policy.update
sys_security_acl_role:delete	policy.update
sys_security_operation:create	policy.create
sys_security_operation:update	policy.update
sys_security_operation:delete	policy.delete
sys_security_type:create	policy.create
sys_security_type:update	policy.update
sys_security_type:delete	policy.delete
sys_properties:create	policy.create
sys_properties:update	policy.update
sys_properties:delete	policy.delete
ip_access:create	policy.create
ip_access:update	policy.update
ip_access:delete	policy.delete
saml2_update1_properties:create	policy.create
saml2_update1_properties:update	policy.update
saml2_update1_properties:delete	policy.delete
sso_properties:create	policy.create
sso_properties:update	policy.update
sso_properties:delete	policy.delete
sys_certificate:create	policy.create
sys_certificate:update	policy.update
sys_certificate:delete	policy.delete
ldap_server_config:create	integration.create
ldap_server_config:update	integration.update
ldap_server_config:delete	integration.delete
oauth_entity:create	integration.create
oauth_entity:update	integration.update
oauth_entity:delete	integration.delete
oauth_entity_profile:create	integration.create
oauth_entity_profile:update	integration.update
oauth_entity_profile:delete	integration.delete
oauth_entity_scope:create	integration.update
oauth_entity_scope:update	integration.update
oauth_entity_scope:delete	integration.update
oauth_entity_profile_scope:create	integration.update
oauth_entity_profile_scope:update	integration.update
oauth_entity_profile_scope:delete	integration.update
oauth_credential:create	integration.create
oauth_credential:update	integration.update
oauth_credential:delete	integration.delete
sys_auth_profile_basic:create	integration.create
sys_auth_profile_basic:update	integration.update
sys_auth_profile_basic:delete	integration.delete
discovery_credentials:create	integration.create
discovery_credentials:update	integration.update
discovery_credentials:delete	integration.delete
sys_rest_message:create	integration.create
sys_rest_message:update	integration.update
sys_rest_message:delete	integration.delete
sys_soap_message:create	integration.create
sys_soap_message:update	integration.update
sys_soap_message:delete	integration.delete
sys_ws_definition:create	integration.create
sys_ws_definition:update	integration.update
sys_ws_definition:delete	integration.delete
ecc_agent:create	integration.create
ecc_agent:update	integration.update
ecc_agent:delete	integration.delete
sys_app:create	integration.create
sys_app:update	integration.update
sys_app:delete	integration.delete
sys_store_app:create	integration.create
sys_store_app:update	integration.update
sys_store_app:delete	integration.delete
sys_plugins:create	integration.create
sys_plugins:update	integration.update
sys_plugins:delete	integration.delete
sys_script:create	resource.create
sys_script:update	resource.update
sys_script:delete	resource.delete
sys_script_include:create	resource.create
sys_script_include:update	resource.update
sys_script_include:delete	resource.delete
sys_ui_action:create	resource.create
sys_ui_action:update	resource.update
sys_ui_action:delete	resource.delete
sys_ui_policy:create	resource.create
sys_ui_policy:update	resource.update
sys_ui_policy:delete	resource.delete
sys_ui_script:create	resource.create
sys_ui_script:update	resource.update
sys_ui_script:delete	resource.delete
sys_update_set:create	resource.create
sys_update_set:update	resource.update
sys_update_set:delete	resource.delete
sys_report:create	resource.create
sys_report:update	resource.update
sys_report:delete	resource.delete
sys_attachment:create	resource.create
sys_attachment:update	resource.update
sys_attachment:delete	resource.delete
sys_dictionary:create	resource.create
sys_dictionary:update	resource.update
sys_dictionary:delete	resource.delete
sys_db_object:create	resource.create
sys_db_object:update	resource.update
sys_db_object:delete	resource.delete
sys_hub_flow:create	resource.create
sys_hub_flow:update	resource.update
sys_hub_flow:delete	resource.delete
sys_template:create	resource.create
sys_template:update	resource.update
sys_template:delete	resource.delete
sys_choice:create	resource.create
sys_choice:update	resource.update
sys_choice:delete	resource.delete
sys_domain:create	resource.create
sys_domain:update	resource.update
sys_domain:delete	resource.delete
"""#)

    /// `sysevent` names: the documented login events (event queue for login activities), the
    /// base-system events seen in instances, and the global events (`<table>.inserted`, `.updated`,
    /// `.commented`, `.assigned`, `.inactive`) of the identity and ACL tables, fetched 2026-12-06.
    static let serviceNowEvents = VendorCatalogue(
        vendor: "servicenow", source: "https://www.servicenow.com/docs/r/platform-security/authentication/r_EventQueueLoginActivities.html",
        rows: #"""
login	authentication.login
login.failed	authentication.login
logout	authentication.logout
external.authentication.succeeded	authentication.login
external.authentication.failed	authentication.login
login.authorization.failed	authentication.login
security.elevated_role.enabled	role.update
security.elevated_role.disabled	role.update
user.view	user.read
report.view	resource.read
attachment.read	resource.download
attachment.inserted	resource.create
attachment.uploaded	resource.create
attachment.deleted	resource.delete
snc.subscription.download.completed	resource.download
sn_change_cab.group_member.added	group.member.add
sn_change_cab.group_member.removed	group.member.remove
cmdb.group.modified	group.update
sn_itsm_va.incident.comments.added	resource.create
sys_user.inserted	user.create
sys_user.updated	user.update
sys_user.commented	-
sys_user.assigned	-
sys_user.inactive	-
sys_user_group.inserted	group.create
sys_user_group.updated	group.update
sys_user_group.commented	-
sys_user_group.assigned	-
sys_user_group.inactive	-
sys_user_role.inserted	role.create
sys_user_role.updated	role.update
sys_user_role.commented	-
sys_user_role.assigned	-
sys_user_role.inactive	-
sys_user_grmember.inserted	group.member.add
sys_user_grmember.updated	group.update
sys_user_grmember.commented	-
sys_user_grmember.assigned	-
sys_user_grmember.inactive	-
sys_user_has_role.inserted	permission.add
sys_user_has_role.updated	permission.add
sys_user_has_role.commented	-
sys_user_has_role.assigned	-
sys_user_has_role.inactive	-
sys_group_has_role.inserted	permission.add
sys_group_has_role.updated	permission.add
sys_group_has_role.commented	-
sys_group_has_role.assigned	-
sys_group_has_role.inactive	-
sys_security_acl.inserted	policy.create
sys_security_acl.updated	policy.update
sys_security_acl.commented	-
sys_security_acl.assigned	-
sys_security_acl.inactive	-
"""#)
}

/// The vendor's published catalogue(s) of event names, each with the behavior rules that
/// classify its names; every decided name must classify as recorded (CatalogueTests).
extension ServiceNowNormalizer {
    static let catalogued: [(catalogue: VendorCatalogue, rules: BehaviorRules)] = [
        (.serviceNowTables, ServiceNowCatalogue.auditedTables),
        (.serviceNowEvents, ServiceNowCatalogue.events),
    ]
}
