import Normalizers
import RelayCore

/// ServiceNow Table API rows from `sys_audit`, `isc_export_event`, `sys_user_has_role` and
/// `sysevent`. Tables: https://www.servicenow.com/docs/bundle/yokohama-platform-security/page/administer/time/reference/r_SystemAuditLog.html
/// and the event registry (`sysevent_register`) for sysevent names.
///
/// Field map: eventID `sys_id`, eventTime `sys_created_on` (no zone = UTC), eventName
/// `<tablename>.<fieldname>` (sys_audit), `export.<table>` (isc_export_event),
/// `sys_user_has_role.<operation>` (sys_user_has_role) or `name` (sysevent); srcIP `parm2` of
/// login/logout events when it is an address; actor `user_name` / `user` / `sys_created_by`.
public struct ServiceNowNormalizer: Normalizer {
    public let sourceType = "servicenow"
    public let streams = ["sys_audit", "isc_export_event", "sys_user_has_role", "sysevent"]

    public init() {}

    public func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        record.setEventID(event["sys_id"])
        record.setEventTime(event["sys_created_on"])
        record.serviceName = "servicenow"
        switch stream {
        case "sys_audit":
            let table = event["tablename"]?.text ?? ""
            let field = event["fieldname"]?.text ?? ""
            record.eventName = Self.dotted(table, field)
            record.setActor("username", event["user"], event["sys_created_by"])
            record.addResource(event["documentkey"])
            record.setTag("table", event["tablename"])
            record.setTag("field", event["fieldname"])
            // sys_audit marks a deleted record with fieldname DELETED; a first value is an insert.
            let operation = field == "DELETED" ? "delete" : (event["oldvalue"]?.nonEmptyText == nil && field != "" ? "create" : "update")
            record.classify(table + ":" + operation, with: ServiceNowCatalogue.auditedTables)
            if operation == "update", let behavior = ServiceNowCatalogue.auditedChange(
                table: table, field: field, old: event["oldvalue"]?.text ?? "", new: event["newvalue"]?.text ?? "") {
                record.setBehavior(behavior, rule: "sys_audit \(table).\(field) old/new")
            }
        case "isc_export_event":
            record.eventName = Self.dotted("export", event["table"]?.text ?? "")
            record.setActor("username", event["user_name"])
            record.setActor("id", event["user"])
            record.addResource(event["table"])
            record.setTag("records", event["records"])
            record.setBehavior(.resourceDownload, rule: "isc_export_event")
        case "sys_user_has_role":
            let operation = event["operation"]?.text ?? ""
            record.eventName = Self.dotted("sys_user_has_role", operation)
            record.setActor("username", event["changed_by.name"])
            record.setActor("id", event["changed_by"])
            record.addResource(event["role.name"] ?? event["role"])
            record.addResource(event["user.name"] ?? event["user"])
            record.setTag("grantedByGroup", event["granted_by_group.name"] ?? event["granted_by_group"])
            record.classify("sys_user_has_role " + operation, with: ServiceNowCatalogue.roleGrants)
        default:
            record.setEventName(event["name"])
            record.setActor("username", event["user_name"], event["sys_created_by"])
            record.setActor("id", event["user_id"])
            if record.eventName.hasPrefix("login") || record.eventName.hasPrefix("logout") {
                record.setSourceIP(event["parm2"])
            }
            record.addResource(event["table"])
            record.setTag("parm1", event["parm1"])
            record.setTag("parm2", event["parm2"])
            record.classify(record.eventName, with: ServiceNowCatalogue.events)
            // `<table>.insert`/`.deleted`… on a catalogued table means what a change of that table means.
            if let dot = record.eventName.lastIndex(of: "."),
               let operation = ServiceNowCatalogue.tableOperation(record.eventName[record.eventName.index(after: dot)...]) {
                let key = record.eventName[..<dot] + ":" + operation
                // Only where the event's own name matched no exact entry (a `*.deleted` pattern or nothing).
                if VendorCatalogue.serviceNowTables.decisions[key.lowercased()] != nil,
                   record.behaviorBasis != .table(record.eventName.lowercased()) {
                    record.classify(String(key), with: ServiceNowCatalogue.auditedTables)
                }
            }
        }
    }

    /// `a.b`, or whichever part is not empty.
    static func dotted(_ first: String, _ second: String) -> String {
        if first.isEmpty { return second }
        return second.isEmpty ? first : first + "." + second
    }
}
