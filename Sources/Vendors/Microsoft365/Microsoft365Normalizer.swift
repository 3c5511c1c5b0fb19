import Normalizers
import RelayCore

/// Office 365 Management Activity API content blobs (`Audit.AzureActiveDirectory`,
/// `Audit.Exchange`, `Audit.SharePoint`, `Audit.General`). Operations:
/// https://learn.microsoft.com/en-us/purview/audit-log-activities and the common schema
/// https://learn.microsoft.com/en-us/office/office-365-management-api/office-365-management-activity-api-schema
///
/// Field map: eventID `Id`, eventTime `CreationTime` (no zone = UTC), eventName `Operation`, srcIP
/// `ClientIP`, else `ActorIpAddress`, else `ClientIPAddress`, actor `UserId` (+ `UserKey`,
/// `UserType`); serviceName is `Workload`, `ObjectId` is the resource.
public struct Microsoft365Normalizer: Normalizer {
    public let sourceType = "microsoft-365"
    public let streams = ["Audit.AzureActiveDirectory", "Audit.Exchange", "Audit.SharePoint", "Audit.General", "DLP.All"]

    public init() {}

    public func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        record.setEventID(event["Id"])
        record.setEventTime(event["CreationTime"])
        record.setEventName(event["Operation"])
        record.serviceName = event["Workload"]?.nonEmptyText ?? "microsoft-365"
        record.setSourceIP(event["ClientIP"], event["ActorIpAddress"], event["ClientIPAddress"])
        record.setActor("email", event["UserId"])
        record.setActor("id", event["UserKey"])
        record.setActor("type", event["UserType"])
        record.addResource(event["ObjectId"])
        record.setTag("resultStatus", event["ResultStatus"])
        record.setTag("recordType", event["RecordType"])
        record.setTag("userAgent", event["UserAgent"])
        record.classify(classificationKey(record.eventName, event), with: Microsoft365Catalogue.rules)
    }

    /// The operation, refined where one operation name covers several behaviors.
    private func classificationKey(_ operation: String, _ event: JSONValue) -> String {
        switch operation {
        case "UserLoggedIn":
            // Sign-ins the Strong Authentication Service handles (`RequestType: SAS:*`) are the
            // second-factor step of a sign-in.
            return namedValue(event["ExtendedProperties"], "RequestType")?.hasPrefix("SAS:") == true ? "UserLoggedIn:mfa" : operation
        case "Update user.":
            // Entra logs MFA method registration as a user update of StrongAuthentication* fields:
            // an emptied list is a removal.
            guard let properties = event["ModifiedProperties"] else { return operation }
            for property in properties.elements {
                guard property["Name"]?.string?.hasPrefix("StrongAuthentication") == true else { continue }
                let newValue = property["NewValue"]?.string?.trimmingASCIIWhitespace() ?? ""
                return newValue.isEmpty || newValue == "[]" ? "Update user.:mfa-" : "Update user.:mfa+"
            }
            return operation
        default:
            // Exchange cmdlets on policies (`New-HostedContentFilterPolicy`) classify by verb.
            if let dash = operation.firstIndex(of: "-"), operation.hasSuffix("Policy") {
                return String(operation[...dash]) + "Policy"
            }
            return operation
        }
    }

    /// The `Value` of the `{Name, Value}` entry called `name` in a list such as `ExtendedProperties`.
    private func namedValue(_ list: JSONValue?, _ name: String) -> String? {
        guard let list else { return nil }
        for entry in list.elements where entry["Name"]?.string == name {
            return entry["Value"]?.string
        }
        return nil
    }
}
