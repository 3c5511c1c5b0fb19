import Normalizers
import RelayCore

/// AppOmni audit logs (`/api/v1/core/auditlogs`, also delivered to Threat Detection event sinks).
/// Action types: https://github.com/AppOmni-Labs/event-maturity-matrix/blob/main/docs/appomni/AppOmni.md
///
/// Field map: eventID `log_id`, eventTime `action_at`, eventName `action_type`, srcIP
/// `action_data.user_ip`, actor `action_data.user_username` (+ `user_id`); the target user, group,
/// policy or service named in `action_data` becomes a resource.
public struct AppOmniNormalizer: Normalizer {
    public let sourceType = "appomni"
    public let streams = ["auditlogs"]

    public init() {}

    public func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        // The API reference names the id `identifier`; event sinks and older answers `log_id`.
        record.setEventID(event["identifier"] ?? event["log_id"])
        record.setEventTime(event["action_at"])
        record.setEventName(event["action_type"])
        record.serviceName = "appomni"
        let data = event["action_data"]
        record.setSourceIP(data?["user_ip"])
        record.setActor("username", data?["user_username"])
        record.setActor("id", event["user_id"])
        record.setActor("email", data?["unified_identity_email"])
        record.addResource(data?["target_user_username"])
        record.addResource(data?["group_name"])
        record.addResource(data?["policy_name"])
        record.addResource(data?["third_party_application_name"])
        record.addResource(event["service_name"])
        record.setTag("userAgent", data?["user_agent"])
        record.setTag("serviceType", event["service_type"])
        record.setTag("error", data?["error_str"])
        record.classify(record.eventName, with: Self.rules)
    }

    static let rules = BehaviorRules([
        // Sign-in to AppOmni itself (password, Google, SAML).
        "user_login*": .authenticationLogin,
        "user_logout": .authenticationLogout,
        "user_mfa_verif*": .authenticationMFA,
        "user_mfa_enabled": .mfaEnroll,
        "user_mfa_disabled": .mfaUnenroll,
        // AppOmni users
        "user_created": .userCreate,
        "user_invited": .userCreate,
        "user_updated": .userUpdate,
        "user_enabled": .userUpdate,
        "user_password_*": .userUpdate,
        "user_role_changed": .permissionAdd,
        // Disabling is how AppOmni removes a user (accounts are kept for the audit trail).
        "user_disabled": .userDelete,
        "user_deleted": .userDelete,
        "group_created": .groupCreate,
        "group_updated": .groupUpdate,
        "group_deleted": .groupDelete,
        "group_member_added": .groupMemberAdd,
        "group_member_removed": .groupMemberRemove,
        "role_created": .roleCreate,
        "role_updated": .roleUpdate,
        "role_deleted": .roleDelete,
        "permission_granted": .permissionAdd,
        "permission_revoked": .permissionRemove,
        // AppOmni's own settings (SSO, session, IP allow-lists) govern access to the tenant.
        "ao_sys_setting_change": .policyUpdate,
        // Monitored SaaS services, tokens and event sinks connect AppOmni to other systems.
        "monitored_service_created": .integrationCreate,
        "monitored_service_updated": .integrationUpdate,
        "monitored_service_deleted": .integrationDelete,
        "access_token_created": .integrationCreate,
        "access_token_revoked": .integrationDelete,
        "sink_created": .integrationCreate,
        "sink_updated": .integrationUpdate,
        "sink_deleted": .integrationDelete,
        // Posture policies, rules, detections and exceptions are AppOmni content, not access
        // policies: the EMM labels their changes as resource changes (e.g. policy_created).
        "rule_created": .resourceCreate, "rule_updated": .resourceUpdate, "rule_deleted": .resourceDelete,
        "*_created": .resourceCreate,
        "*_added": .resourceCreate,
        "*_updated": .resourceUpdate,
        "*_changed": .resourceUpdate,
        "*_enabled": .resourceUpdate,
        "*_disabled": .resourceUpdate,
        "*_deleted": .resourceDelete,
        "*_removed": .resourceDelete,
        "*_exported": .resourceDownload,
        "*_downloaded": .resourceDownload,
        "*_viewed": .resourceRead,
    ], catalogue: .appOmni)
}
