import Normalizers
import RelayCore

/// Okta System Log (`/api/v1/logs`). Event types: https://developer.okta.com/docs/reference/api/event-types/
///
/// Field map: eventID `uuid`, eventTime `published`, eventName `eventType`, srcIP
/// `client.ipAddress`, actor `actor.alternateId/id/displayName/type`. Okta's own geo
/// (`client.geographicalContext`, `securityContext`) is kept as an enrichment from provider `okta`.
public struct OktaNormalizer: Normalizer {
    public let sourceType = "okta"
    public let streams = ["system_log"]

    public init() {}

    public func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        record.eventID = event["uuid"]?.text ?? ""
        record.setEventTime(event["published"])
        record.eventName = event["eventType"]?.text ?? ""
        record.serviceName = "okta"
        record.setSourceIP(event["client", "ipAddress"], event["request", "ipChain"]?[0]?["ip"])
        if let actor = event["actor"] {
            record.setActor("email", actor["alternateId"])
            record.setActor("id", actor["id"])
            record.setActor("name", actor["displayName"])
            record.setActor("type", actor["type"])
        }
        for target in event["target"]?.array ?? [] {
            record.addResource(target["alternateId"]?.text == "unknown" ? target["displayName"] : (target["alternateId"] ?? target["displayName"]))
        }
        record.setTag("outcome", event["outcome", "result"])
        record.setTag("outcomeReason", event["outcome", "reason"])
        record.setTag("severity", event["severity"])
        record.setTag("userAgent", event["client", "userAgent", "rawUserAgent"])
        record.setTag("displayMessage", event["displayMessage"])
        if let geo = event["client", "geographicalContext"] {
            record.addVendorGeo(provider: "okta", ip: record.src.ip, [
                ("city", geo["city"]), ("state", geo["state"]), ("country", geo["country"]),
                ("postalCode", geo["postalCode"]), ("latitude", geo["geolocation", "lat"]),
                ("longitude", geo["geolocation", "lon"]), ("asNumber", event["securityContext", "asNumber"]),
                ("asOrganization", event["securityContext", "asOrg"]), ("isp", event["securityContext", "isp"]),
                ("domain", event["securityContext", "domain"]),
            ])
        }
        record.classify(record.eventName, with: Self.rules)
    }

    static let rules = BehaviorRules([
        "user.session.start": .authenticationLogin,
        "user.authentication.sso": .authenticationLogin,
        "user.authentication.authenticate": .authenticationLogin,
        "user.authentication.auth_via_idp": .authenticationLogin,
        "user.authentication.auth_via_social": .authenticationLogin,
        "user.authentication.auth_via_radius": .authenticationLogin,
        "user.authentication.auth_via_ldap": .authenticationLogin,
        "user.authentication.auth_via_richclient": .authenticationLogin,
        "user.authentication.auth_via_AD_agent": .authenticationLogin,
        "user.session.access_admin_app": .authenticationLogin,
        "user.authentication.auth_via_mfa": .authenticationMFA,
        "user.authentication.verify": .authenticationMFA,
        "user.mfa.okta_verify*": .authenticationMFA,
        "user.mfa.attempt_bypass": .authenticationMFA,
        "user.account.report_suspicious_activity_by_enduser": .authenticationMFA,
        "user.session.end": .authenticationLogout,
        "user.session.clear": .authenticationLogout,
        "user.authentication.universal_logout": .authenticationLogout,
        "user.mfa.factor.activate": .mfaEnroll,
        "user.mfa.factor.deactivate": .mfaUnenroll,
        "user.mfa.factor.reset_all": .mfaUnenroll,
        "user.mfa.factor.suspend": .mfaUnenroll,
        "user.mfa.factor.update": .mfaEnroll,
        "user.lifecycle.create": .userCreate,
        "user.lifecycle.delete*": .userDelete,
        "user.lifecycle.*": .userUpdate,
        "user.account.update_*": .userUpdate,
        "user.account.reset_password": .userUpdate,
        "user.account.lock*": .userUpdate,
        "user.account.unlock*": .userUpdate,
        "user.account.privilege.grant": .permissionAdd,
        "user.account.privilege.revoke": .permissionRemove,
        "group.lifecycle.create": .groupCreate,
        "group.lifecycle.delete": .groupDelete,
        "group.profile.update": .groupUpdate,
        "group.application_assignment.*": .groupUpdate,
        "group.user_membership.add": .groupMemberAdd,
        "group.user_membership.remove": .groupMemberRemove,
        "group.privilege.grant": .permissionAdd,
        "group.privilege.revoke": .permissionRemove,
        "iam.role.create": .roleCreate,
        "iam.role.delete": .roleDelete,
        "iam.role.update": .roleUpdate,
        "iam.role.permissions.*": .roleUpdate,
        "iam.resourceset.create": .resourceCreate,
        "iam.resourceset.delete": .resourceDelete,
        "iam.resourceset.*": .resourceUpdate,
        "application.lifecycle.create": .integrationCreate,
        "application.lifecycle.delete": .integrationDelete,
        "application.lifecycle.*": .integrationUpdate,
        "application.user_membership.add": .permissionAdd,
        "application.user_membership.remove": .permissionRemove,
        "app.oauth2.as.*": .integrationUpdate,
        "policy.lifecycle.create": .policyCreate,
        "policy.lifecycle.delete": .policyDelete,
        "policy.lifecycle.*": .policyUpdate,
        // Okta's catalogue files rule changes under the policy resource; the EMM labels them as
        // changes to a resource, not to the policy itself.
        "policy.rule.add": .resourceCreate,
        "policy.rule.create": .resourceCreate,
        "policy.rule.delete": .resourceDelete,
        "policy.rule.*": .resourceUpdate,
        "system.idp.lifecycle.create": .policyCreate,
        "system.idp.lifecycle.delete": .policyDelete,
        "system.idp.lifecycle.*": .policyUpdate,
        // Authenticators (password, Okta Verify, WebAuthn…) are org-wide sign-in policy.
        "security.authenticator.lifecycle.create": .policyCreate,
        "security.authenticator.lifecycle.*": .policyUpdate,
        "zone.create": .policyCreate,
        "zone.delete": .policyDelete,
        "zone.*": .policyUpdate,
        "system.api_token.create": .integrationCreate,
        "system.api_token.revoke": .integrationDelete,
    ], catalogue: .okta)
}
