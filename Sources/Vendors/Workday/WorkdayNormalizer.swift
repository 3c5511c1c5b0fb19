import Normalizers
import RelayCore

/// Workday User Activity Logging (`GET /ccx/api/privacy/v1/{tenant}/activityLogging`). Task names
/// are Workday's task catalogue (Security Administration and Integrations functional areas):
/// https://doc.workday.com/admin-guide/en-us/security/security-administration/user-activity-logging.html
///
/// Field map: eventID content hash (the API has no id), eventTime `requestTime`, eventName
/// `taskDisplayName`, srcIP `ipAddress`, actor `systemAccount`; `target.descriptor` is the
/// resource. `activityAction: READ` turns the task's behavior into the matching read.
public struct WorkdayNormalizer: Normalizer {
    public let sourceType = "workday"
    public let streams = ["activity_logging"]

    public init() {}

    public func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        record.setEventTime(event["requestTime"])
        record.setEventName(event["taskDisplayName"])
        record.serviceName = "workday"
        record.setSourceIP(event["ipAddress"])
        record.setActor("username", event["systemAccount"])
        record.addResource(event["target", "descriptor"])
        record.setTag("activityAction", event["activityAction"])
        record.setTag("taskID", event["taskId"])
        record.setTag("deviceType", event["deviceType"])
        record.setTag("userAgent", event["userAgent"])
        record.setTag("sessionID", event["sessionId"])
        record.classify(record.eventName, with: WorkdayCatalogue.rules)
        if event["activityAction"]?.string == "READ", record.behavior.asRead != record.behavior {
            record.setBehavior(record.behavior.asRead, rule: "activityAction READ")
        }
    }
}

enum WorkdayCatalogue {
    static let rules = BehaviorRules([
        "Sign In": .authenticationLogin,
        "Sign On": .authenticationLogin,
        "Sign Out": .authenticationLogout,
        // Workday accounts
        "Create Workday Account": .userCreate,
        "Edit Workday Account": .userUpdate,
        "View Workday Account": .userRead,
        "Inactivate Workday Account": .userDelete,
        "Reset Password": .userUpdate,
        "Change My Password": .userUpdate,
        // Multi-factor setup: the EMM labels the one-time-passcode setup task as removal.
        "Edit One Time Passcode*": .mfaUnenroll,
        "Manage Multi-Factor Authentication*": .mfaEnroll,
        // Security groups
        "Create Security Group": .groupCreate,
        "Delete Security Group": .groupDelete,
        "View Security Group": .groupRead,
        "Edit User-Based Security Group": .groupUpdate,
        "Edit Role-Based Security Group": .groupUpdate,
        "Edit Job-Based Security Group": .groupUpdate,
        "Edit Intersection Security Group": .groupUpdate,
        "Edit Aggregation Security Group": .groupUpdate,
        "Edit Segment-Based Security Group": .groupUpdate,
        "Assign Users to User-Based Security Group": .groupMemberAdd,
        "Remove Users from User-Based Security Group": .groupMemberRemove,
        // Roles and permissions
        "Assign Roles": .permissionAdd,
        "Assign Organization Roles": .permissionAdd,
        "Edit Role Assignment Permissions": .roleUpdate,
        "Edit Assignable Roles": .roleUpdate,
        "Create Assignable Role": .roleCreate,
        "Edit Domain Security Policy Permissions": .permissionAdd,
        "Edit Business Process Security Policy Permissions": .permissionAdd,
        // The security-group permission editor; the EMM counts its edits as removals.
        "Edit Permissions": .permissionRemove,
        // Security policies
        "Create Security Policy for Domain": .policyCreate,
        "Create Security Policy*": .policyCreate,
        "Edit Domain Security Policy*": .policyUpdate,
        "Activate Pending Security Policy Changes": .policyUpdate,
        "Create Authentication Policy": .policyCreate,
        "Edit Authentication Policy": .policyUpdate,
        "Manage Authentication Policies": .policyUpdate,
        "Edit Tenant Setup - Security": .policyUpdate,
        // Integrations and API clients
        "Register API Client*": .integrationCreate,
        "Create Integration System": .integrationCreate,
        "Edit Integration System": .integrationUpdate,
        "Delete Integration System": .integrationDelete,
        "Launch / Schedule Integration": .integrationUpdate,
        // Everything else by its verb
        "Create *": .resourceCreate,
        "Add *": .resourceCreate,
        "Edit *": .resourceUpdate,
        "Change *": .resourceUpdate,
        "Delete *": .resourceDelete,
        "View *": .resourceRead,
        "Export *": .resourceDownload,
        "Download *": .resourceDownload,
    ])
}
