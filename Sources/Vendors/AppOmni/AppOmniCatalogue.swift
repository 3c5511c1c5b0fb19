import Normalizers
import RelayCore

extension VendorCatalogue {
    /// AppOmni does not publish its audit log `action_type` values: these are the names the EMM
    /// samples and the normalizer's table show; the source is the nearest documentation, fetched
    /// 2026-12-06.
    static let appOmni = VendorCatalogue(vendor: "appomni", source: "https://github.com/AppOmni-Labs/event-maturity-matrix/blob/main/docs/appomni/AppOmni.md", rows: #"""
user_login	authentication.login
user_login_failed	authentication.login
user_login_google	authentication.login
user_logout	authentication.logout
user_mfa_enabled	mfa.enroll
user_mfa_disabled	mfa.unenroll
user_created	user.create
user_invited	user.create
user_updated	user.update
user_enabled	user.update
user_disabled	user.delete
user_deleted	user.delete
user_role_changed	permission.add
group_created	group.create
group_updated	group.update
group_deleted	group.delete
group_member_added	group.member.add
group_member_removed	group.member.remove
role_created	role.create
role_updated	role.update
role_deleted	role.delete
permission_granted	permission.add
permission_revoked	permission.remove
ao_sys_setting_change	policy.update
monitored_service_created	integration.create
monitored_service_updated	integration.update
monitored_service_deleted	integration.delete
access_token_created	integration.create
access_token_revoked	integration.delete
sink_created	integration.create
sink_updated	integration.update
sink_deleted	integration.delete
policy_created	resource.create
policy_updated	resource.update
policy_deleted	resource.delete
ms_detection_ingestion_disabled	resource.update
"""#)
}

/// The vendor's published catalogue(s) of event names, each with the behavior rules that
/// classify its names; every decided name must classify as recorded (CatalogueTests).
extension AppOmniNormalizer {
    static let catalogued: [(catalogue: VendorCatalogue, rules: BehaviorRules)] = [(.appOmni, AppOmniNormalizer.rules)]
}
