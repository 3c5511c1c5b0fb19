import Foundation
import Normalizers
import Vendors
import RelayCore
import Testing

/// Every labelled EMM sample normalizes with its label and the core fields of the table.
@Suite struct FixtureTests {
    /// Samples whose label cannot or should not be reproduced, with the behavior we give instead.
    /// Pairs of byte-identical events (apart from the label) can only match one of their labels;
    /// the others contradict the vendor's documented meaning of the event.
    static let disagreements: [String: String] = [
        // Identical INSERT rows labelled resource.create and resource.update: INSERT creates rows.
        "snowflake.query_history.jsonl:8": "resource.create",
        // Identical "Changed membership of Group" rows labelled add and remove: the trail cannot tell.
        "salesforce.setupaudittrail.jsonl:3": "group.member.add",
        // Identical cmdb.group.modified (parm2 "update") rows labelled update and delete.
        "servicenow.sysevent.jsonl:4": "group.update",
        // "Assign Users to User-Based Security Group" rows differing only in the target group.
        "workday.activity_logging.jsonl:15": "group.member.add",
        // Salesforce documents BulkApiResultEvent as "a user downloads the results of a Bulk API request".
        "salesforce.realtime.jsonl:3": "resource.download",
        // Deleting a report is a deletion, not a download.
        "workday.activity_logging.jsonl:7": "resource.delete",
        // An edit of the tenant's security setup changes the policy; nothing says it was removed.
        "workday.activity_logging.jsonl:10": "policy.update",
        // The event's own old/new values (admin -> maintain) lower the team's access: a removal,
        // though labelled an addition.
        "github.audit_log.jsonl:2": "permission.remove",
        // A collaborator's permission changed from admin to maintain (`changes.permission`): access
        // taken away, not a profile update.
        "github.webhook.jsonl:3": "permission.remove",
    ]

    @Test func everySampleHasItsLabelledBehavior() throws {
        let samples = try TestSupport.samples()
        #expect(samples.count == 341)
        var matched: [String: (Int, Int)] = [:]
        for sample in samples {
            let record = try TestSupport.normalize(sample.event, sample.sourceType, sample.stream)
            let key = "\(sample.file):\(sample.line)"
            let expected = Self.disagreements[key] ?? sample.behavior
            #expect(record.behavior.rawValue == expected, "\(key) \(record.eventName)")
            if let ours = Self.disagreements[key] { #expect(ours != sample.behavior, "\(key) now agrees with its label") }
            var counts = matched[sample.sourceType, default: (0, 0)]
            counts.1 += 1
            if record.behavior.rawValue == sample.behavior { counts.0 += 1 }
            matched[sample.sourceType] = counts
        }
        for (vendor, counts) in matched.sorted(by: { $0.key < $1.key }) {
            print("label matches \(vendor): \(counts.0)/\(counts.1)")
        }
    }

    @Test func everySampleHasTheCoreFields() throws {
        for sample in try TestSupport.samples() {
            let record = try TestSupport.normalize(sample.event, sample.sourceType, sample.stream)
            let key = "\(sample.file):\(sample.line)"
            #expect(!record.eventID.isEmpty, "\(key)")
            #expect(!record.eventName.isEmpty, "\(key)")
            #expect(record.eventTime.microseconds > 1_262_304_000_000_000, "\(key) \(record.eventTime)")
            #expect(!record.actor.isEmpty, "\(key)")
            #expect(Array(record.rawLog) == sample.event, "\(key)")
            #expect(record.srcIP.isEmpty || IPAddress(parsing: record.srcIP) != nil, "\(key) \(record.srcIP)")
            #expect(record.id.count == 32, "\(key)")
        }
    }

    struct Expected: CustomTestStringConvertible, Sendable {
        let file: String
        let eventID: String  // "#hash" for a content hash
        let eventTime: String  // "#received" for the receipt time
        let eventName: String
        let srcIP: String
        let actorKey: String
        let actorValue: String
        var testDescription: String { file }
    }

    /// Computed by hand from the first line of each fixture file.
    static let firstEvents: [Expected] = [
        Expected(file: "appomni.auditlogs.jsonl", eventID: "6cbd2dc5-c125-40d1-8dcf-9936abda6c5f",
                 eventTime: "2023-06-14T21:57:50.583325Z", eventName: "user_login_failed", srcIP: "198.51.100.2",
                 actorKey: "username", actorValue: "pmcandrew+test10"),
        Expected(file: "box.admin_logs.jsonl", eventID: "f0545aa9-4be4-451e-a8d2-3c56aa257b8a",
                 eventTime: "2023-05-09T17:24:15Z", eventName: "GROUP_ADD_USER", srcIP: "198.51.100.3",
                 actorKey: "email", actorValue: "bob@example.com"),
        Expected(file: "duo.administrator.jsonl", eventID: "#hash", eventTime: "2024-05-17T17:24:53Z",
                 eventName: "user_create", srcIP: "", actorKey: "name", actorValue: "Jane Doe"),
        Expected(file: "duo.authentication.jsonl", eventID: "#hash", eventTime: "2024-05-21T18:08:48.081423Z",
                 eventName: "authentication", srcIP: "192.168.10.1", actorKey: "name", actorValue: "Tony Stark"),
        Expected(file: "github.audit_log.jsonl", eventID: "4qrOaf_n_cB0BEUfoTXeyw", eventTime: "2023-06-06T22:06:46.322Z",
                 eventName: "hook.destroy", srcIP: "198.51.100.1", actorKey: "username", actorValue: "john.doe"),
        Expected(file: "github.webhook.jsonl", eventID: "#hash", eventTime: "#received", eventName: "team.edited",
                 srcIP: "", actorKey: "username", actorValue: "john.doe"),
        Expected(file: "google-workspace.activities.jsonl", eventID: "-7549838176766410754",
                 eventTime: "2023-10-10T20:59:40.904Z", eventName: "ADD_PRIVILEGE", srcIP: "125.215.53.31",
                 actorKey: "email", actorValue: "test@test.com"),
        Expected(file: "microsoft-365.Audit.AzureActiveDirectory.jsonl", eventID: "87025648-8434-4b73-a311-9eb82a0845fd",
                 eventTime: "2024-05-01T21:31:15Z", eventName: "Add member to role.", srcIP: "",
                 actorKey: "username", actorValue: "ServicePrincipal_09eaff3d-53e5-4fbe-9752-92c8505c97cd"),
        Expected(file: "microsoft-365.Audit.Exchange.jsonl", eventID: "159c17b5-7735-4d7f-d5a5-08dc69941015",
                 eventTime: "2024-05-01T04:06:22Z", eventName: "Remove-ManagementRoleAssignment", srcIP: "198.51.100.1",
                 actorKey: "email", actorValue: "example@test.onmicrosoft.com"),
        Expected(file: "microsoft-365.Audit.General.jsonl", eventID: "2c506054-42a2-5e31-95b7-4c8c9219dff0",
                 eventTime: "2024-05-02T21:17:24Z", eventName: "MessageDeleted", srcIP: "198.51.100.1",
                 actorKey: "email", actorValue: "example@test.onmicrosoft.com"),
        Expected(file: "microsoft-365.Audit.SharePoint.jsonl", eventID: "a35c38f6-ed9d-4ddc-bbfd-08dc6ae45bd7",
                 eventTime: "2024-05-02T20:13:40Z", eventName: "SignInEvent", srcIP: "198.51.100.1",
                 actorKey: "email", actorValue: "example@test.onmicrosoft.com"),
        Expected(file: "okta.system_log.jsonl", eventID: "11111111-2222-3333-4444-abcdef111111111111",
                 eventTime: "2023-09-14T20:23:26.473Z", eventName: "group.lifecycle.delete", srcIP: "198.51.100.1",
                 actorKey: "email", actorValue: "alice@example.com"),
        Expected(file: "onelogin.events.jsonl", eventID: "45082120012", eventTime: "2024-03-01T23:07:45.758Z",
                 eventName: "GROUP_UPDATED", srcIP: "8.8.8.8", actorKey: "name", actorValue: "Lance Armstrong"),
        Expected(file: "pingone.activities.jsonl", eventID: "1234abc1-a123-1234-ab12-1ab123a1234a",
                 eventTime: "2024-04-16T20:32:29.433Z", eventName: "GROUP.CREATED", srcIP: "2001:4860:4860::8888",
                 actorKey: "username", actorValue: "jdoe@acme.co"),
        Expected(file: "salesforce.eventlogfile.jsonl", eventID: "#hash", eventTime: "2023-03-21T17:10:17.871Z",
                 eventName: "ApexCallout", srcIP: "198.51.100.1", actorKey: "id", actorValue: "000000000000123AbC"),
        Expected(file: "salesforce.realtime.jsonl", eventID: "abcdefgh-1234-0000-0000-000000000001",
                 eventTime: "2023-03-21T10:04:39.747Z", eventName: "ApiEvent", srcIP: "198.51.100.1",
                 actorKey: "email", actorValue: "john@example.com"),
        Expected(file: "salesforce.setupaudittrail.jsonl", eventID: "#hash", eventTime: "2023-03-09T18:17:00Z",
                 eventName: "deletedgroup", srcIP: "", actorKey: "email", actorValue: "john@example.com"),
        Expected(file: "servicenow.isc_export_event.jsonl", eventID: "abc1234abc1234abc1234abc1234abc1",
                 eventTime: "2024-04-16T17:06:11Z", eventName: "export.task", srcIP: "", actorKey: "username", actorValue: "admin"),
        Expected(file: "servicenow.sys_audit.jsonl", eventID: "abc1234abc1234abc1234abc1234abc1",
                 eventTime: "2024-04-22T14:21:25Z", eventName: "demo_table.DELETED", srcIP: "",
                 actorKey: "username", actorValue: "system"),
        Expected(file: "servicenow.sys_user_has_role.jsonl", eventID: "abc1234abc1234abc1234abc1234abc1",
                 eventTime: "2024-04-19T18:30:54Z", eventName: "sys_user_has_role.Added", srcIP: "",
                 actorKey: "id", actorValue: "c706140d1b6379909f22e2eb234bcbed"),
        Expected(file: "servicenow.sysevent.jsonl", eventID: "abc1234abc1234abc1234abc1234abc1",
                 eventTime: "2024-03-26T09:50:23Z", eventName: "cmdb.group.modified", srcIP: "",
                 actorKey: "username", actorValue: "admin"),
        Expected(file: "slack.audit_logs.jsonl", eventID: "44a8993d-0000-abcd-1e2f-9e7accba9876",
                 eventTime: "2023-08-14T17:22:15Z", eventName: "user_login_failed", srcIP: "198.51.100.1",
                 actorKey: "email", actorValue: "john@example.com"),
        Expected(file: "snowflake.login_history.jsonl", eventID: "12042414114134585", eventTime: "2024-06-06T00:31:26.401000Z",
                 eventName: "LOGIN", srcIP: "12.3.4.56", actorKey: "username", actorValue: "bruce-wayne"),
        Expected(file: "snowflake.query_history.jsonl", eventID: "01b4d47b-0045-3f94-0071-5451651a1de7a2a",
                 eventTime: "2024-06-06T14:51:48.585000Z", eventName: "ALTER", srcIP: "",
                 actorKey: "username", actorValue: "BRUCE_WAYN@wayneenterprises.org"),
        Expected(file: "veeva-vault.audittrail.jsonl", eventID: "726731", eventTime: "2024-05-07T23:21:49Z",
                 eventName: "Delete", srcIP: "", actorKey: "email", actorValue: "bbunny@acme.com"),
        Expected(file: "workday.activity_logging.jsonl", eventID: "#hash", eventTime: "2024-04-18T17:04:59.204Z",
                 eventName: "Create Security Policy for Domain", srcIP: "192.168.0.1",
                 actorKey: "username", actorValue: "test.user@acme.com"),
    ]

    @Test func everyStreamIsCovered() throws {
        let files = Set(try TestSupport.samples().map(\.file))
        #expect(files == Set(Self.firstEvents.map(\.file)))
    }

    @Test(arguments: firstEvents)
    func firstEventOfEachStream(_ expected: Expected) throws {
        let sample = try #require(try TestSupport.samples().first { $0.file == expected.file && $0.line == 1 })
        let record = try TestSupport.normalize(sample.event, sample.sourceType, sample.stream)
        if expected.eventID == "#hash" {
            #expect(record.eventID.count == 32 && record.eventID.allSatisfy(\.isHexDigit))
        } else {
            #expect(record.eventID == expected.eventID)
        }
        let time = expected.eventTime == "#received" ? TestSupport.receivedAt.description : expected.eventTime
        #expect(record.eventTime.description == time)
        #expect(record.eventName == expected.eventName)
        #expect(record.srcIP == expected.srcIP)
        #expect(record.actor[expected.actorKey] == expected.actorValue)
        #expect(record.sourceType == sample.sourceType)
        #expect(record.behavior.rawValue == sample.behavior)
    }
}

extension AuditRecord {
    var srcIP: String { src.ip }
}
