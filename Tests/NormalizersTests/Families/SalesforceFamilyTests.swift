import Normalizers
import RelayCore
import Testing

/// Hand-written Salesforce events (SetupAuditTrail rows, EventLogFile rows, real-time events) for
/// each verb/object family, in the shapes Salesforce documents.
@Suite struct SalesforceFamilyTests {
    static func trail(_ action: String, _ section: String, _ display: String) -> String {
        #"{"Id":"0Ym000000000001","action":"\#(action)","section":"\#(section)","display":"\#(display)","sfdc_created_by_username":"admin@example.com","sfdc_created_date":"2026-11-30T10:00:00Z"}"#
    }

    static let trailCases: [(String, String, String, Behavior)] = [
        ("suOrgAdminLogin", "Manage Users", "Logged in using Login-As access for Jane Doe", .authenticationLogin),
        ("suOrgAdminLogout", "Manage Users", "Logged out using Login-As access for Jane Doe", .authenticationLogout),
        ("insertTwoFactorInfo2", "Manage Users", "Time-Based Token added for jane@example.com", .mfaEnroll),
        ("deleteTwoFactorInfo2", "Manage Users", "Time-Based Token removed for jane@example.com", .mfaUnenroll),
        ("insertTwoFactorWebAuthN", "", "Security Key credential added for jane@example.com", .mfaEnroll),
        ("createduser", "Manage Users", "Created new user Jane Doe", .userCreate),
        ("changedemail", "Manage Users", "Changed email for user Jane Doe from a@example.com to b@example.com", .userUpdate),
        ("deactivateduser", "Manage Users", "Deactivated user Jane Doe", .userDelete),
        ("createdgroup", "Groups", "Created Public Group Finance", .groupCreate),
        ("updatedgroup", "Groups", "Updated Public Group Finance: Changed Name", .groupUpdate),
        ("deletedgroup", "Groups", "Deleted Public Group Finance", .groupDelete),
        ("addedtodelegatedgroup", "Security Controls", "Added Jane to Admins delegated group", .groupMemberAdd),
        ("removedfromdelegatedgroup", "Security Controls", "Removed Jane from Admins delegated group", .groupMemberRemove),
        ("PermSetCreate", "Manage Users", "Created permission set Auditors: with User License Salesforce", .roleCreate),
        ("PermSetLabelChange", "Manage Users", "Changed permission set Auditors: Master Label was changed", .roleUpdate),
        ("PermSetDelete", "Manage Users", "Deleted permission set Auditors", .roleDelete),
        ("PermSetAssign", "Manage Users", "Permission set Auditors: assigned to user Jane Doe", .permissionAdd),
        ("PermSetUnassign", "Manage Users", "Permission set Auditors: unassigned from user Jane Doe", .permissionRemove),
        ("changedroleforusertonone", "Manage Users", "Changed role for user Jane Doe from Manager to <None Specified>", .permissionRemove),
        // Direction only in Display: the object permissions were lowered.
        ("PermSetEntityPermChanged", "Manage Users", "Changed permission set Auditors: Account object permissions were changed from Read, Create, Edit to Read", .permissionRemove),
        ("PermSetEntityPermChanged", "Manage Users", "Changed permission set Auditors: Account object permissions were changed from No Access to Read, Edit", .permissionAdd),
        ("PermSetFlsChanged", "Manage Users", "Changed permission set Auditors: field-level security for Opportunity: Amount was changed from Edit to No Access", .permissionRemove),
        ("passwordminlength", "Password Policies", "Changed password minimum length policy from 8 characters to 12 characters", .policyUpdate),
        ("transactionSecurityPolicyCreatedEnabled", "Transaction Security", "Admin created an enabled transaction security policy Block Export.", .policyCreate),
        ("deleteIpWhiteList", "Security Controls", "Deleted Ip AllowList from 10.0.0.1 to 10.0.0.9", .policyDelete),
        ("insertConnectedApplication", "Connected Apps", "Installed Connected App Reporting to Salesforce", .integrationCreate),
        ("changeOauthDefaultScope", "Application", "Changed connected app Reporting scopes from null to full", .integrationUpdate),
        ("deleteApplication", "Application", "Deleted Connected App Reporting", .integrationDelete),
        ("namedCredentialDelete", "Named Credentials", "Deleted named credential: Billing", .integrationDelete),
        ("createdCustEnt", "Custom Objects", "Created custom object: Invoice", .resourceCreate),
        ("changedApexClass", "Apex Class", "Changed InvoiceController Apex Class code", .resourceUpdate),
        ("deletedCustEnt", "Custom Objects", "Deleted custom object: Invoice", .resourceDelete),
        ("export", "Data Export", "Requested an export", .resourceDownload),
        // An action no catalogue lists: the Display sentence decides.
        ("someFutureAction", "Groups", "Deleted Public Group Contractors", .groupDelete),
    ]

    @Test func setupAuditTrailFamilies() throws {
        for (action, section, display, behavior) in Self.trailCases {
            let record = try TestSupport.normalize(Self.trail(action, section, display), "salesforce", "setupaudittrail")
            #expect(record.behavior == behavior, "\(action): \(display)")
        }
    }

    @Test func eventLogFileFamilies() throws {
        let cases: [(String, Behavior)] = [
            (#"{"EVENT_TYPE":"Login","TIMESTAMP_DERIVED":"2026-11-30T10:00:00.000Z","USER_NAME":"jane@example.com","SOURCE_IP":"203.0.113.7","LOGIN_STATUS":"LOGIN_NO_ERROR"}"#, .authenticationLogin),
            (#"{"EVENT_TYPE":"Logout","TIMESTAMP_DERIVED":"2026-11-30T10:00:00.000Z","USER_NAME":"jane@example.com"}"#, .authenticationLogout),
            (#"{"EVENT_TYPE":"ReportExport","TIMESTAMP_DERIVED":"2026-11-30T10:00:00.000Z","USER_NAME":"jane@example.com"}"#, .resourceDownload),
            (#"{"EVENT_TYPE":"PackageInstall","TIMESTAMP_DERIVED":"2026-11-30T10:00:00.000Z","USER_NAME":"jane@example.com"}"#, .integrationCreate),
            (#"{"EVENT_TYPE":"RestApi","METHOD":"DELETE","TIMESTAMP_DERIVED":"2026-11-30T10:00:00.000Z","USER_NAME":"jane@example.com"}"#, .resourceDelete),
            (#"{"EVENT_TYPE":"API","METHOD_NAME":"query","ROWS_PROCESSED":"12","TIMESTAMP_DERIVED":"2026-11-30T10:00:00.000Z","USER_NAME":"jane@example.com"}"#, .resourceRead),
            (#"{"EVENT_TYPE":"LightningError","TIMESTAMP_DERIVED":"2026-11-30T10:00:00.000Z","USER_NAME":"jane@example.com"}"#, .none),
        ]
        for (json, behavior) in cases {
            let record = try TestSupport.normalize(json, "salesforce", "eventlogfile")
            #expect(record.behavior == behavior, "\(json)")
        }
    }

    @Test func realTimeFamilies() throws {
        func event(_ channel: String, _ payload: String) -> String {
            #"{"channel":"\#(channel)","data":{"payload":{"EventIdentifier":"e-1","EventDate":"2026-11-30T10:00:00.000+0000","Username":"jane@example.com"\#(payload)}}}"#
        }
        let cases: [(String, Behavior)] = [
            (event("/event/LoginEventStream", #","SourceIp":"203.0.113.7","Status":"Success""#), .authenticationLogin),
            (event("/event/LogoutEventStream", ""), .authenticationLogout),
            (event("/event/IdentityVerificationEvent", #","Activity":"Login""#), .authenticationMFA),
            (event("/event/PermissionSetEvent", #","Operation":"AssignedToUsers""#), .permissionAdd),
            (event("/event/FileEvent", #","FileAction":"PREVIEW""#), .resourceRead),
            (event("/event/FileEvent", #","FileAction":"DOWNLOAD""#), .resourceDownload),
            (event("/event/ApiEventStream", #","Operation":"Update""#), .resourceUpdate),
            (event("/event/SessionHijackingEvent", ""), .none),
        ]
        for (json, behavior) in cases {
            let record = try TestSupport.normalize(json, "salesforce", "realtime")
            #expect(record.behavior == behavior, "\(json)")
        }
    }
}
