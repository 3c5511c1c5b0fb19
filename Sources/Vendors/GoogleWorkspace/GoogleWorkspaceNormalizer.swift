import Normalizers
import RelayCore

/// Google Workspace Admin SDK Reports API (`activities.list` for login, admin, drive, token, saml,
/// groups…). Event names per application:
/// https://developers.google.com/workspace/admin/reports/v1/appendix/activity/admin-event-names
/// (and the sibling pages for login, drive, token).
///
/// Field map: eventID `id.uniqueQualifier`, eventTime `id.time`, eventName `events[0].name` (a
/// single `event` object is accepted too), srcIP `ipAddress`, actor `actor.email/profileId/
/// callerType`; serviceName is `id.applicationName`; user, group, role, document and application
/// names from the event parameters become resources.
public struct GoogleWorkspaceNormalizer: Normalizer {
    public let sourceType = "google-workspace"
    /// `activities` (replayed files) or the Reports API application a poller read them from.
    public let streams = ["activities", "login", "admin", "token", "saml", "drive", "groups", "user_accounts", "access_transparency",
                          "context_aware_access", "mobile", "rules"]

    public init() {}

    public func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        record.setEventID(event["id", "uniqueQualifier"])
        record.setEventTime(event["id", "time"])
        record.serviceName = event["id", "applicationName"]?.nonEmptyText ?? "google-workspace"
        record.setSourceIP(event["ipAddress"])
        if let actor = event["actor"] {
            record.setActor("email", actor["email"])
            record.setActor("id", actor["profileId"])
            record.setActor("type", actor["callerType"])
        }
        if let first = (event["events"] ?? event["event"])?.firstOrSelf {
            record.setEventName(first["name"])
            record.setTag("eventType", first["type"])
            if let parameters = first["parameters"] {
                for parameter in parameters.elements {
                    guard let name = parameter["name"]?.string, Self.resourceParameters.contains(name) else { continue }
                    record.addResource(parameter["value"])
                }
            }
        }
        record.classify(record.eventName, with: GoogleWorkspaceCatalogue.rules)
    }

    /// Parameters that name what the event acted on.
    static let resourceParameters: Set<String> = [
        "USER_EMAIL", "GROUP_EMAIL", "ROLE_NAME", "APPLICATION_NAME", "SETTING_NAME", "ORG_UNIT_NAME",
        "doc_title", "app_name", "client_id", "group_email", "member",
    ]
}
