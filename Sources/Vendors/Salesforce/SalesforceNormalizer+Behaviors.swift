import Normalizers
import RelayCore

/// Salesforce event types, real-time event objects and setup audit trail actions.
enum SalesforceCatalogue {
    /// EventLogFile types whose meaning does not depend on the row.
    static let eventTypes = BehaviorRules([
        "Login": .authenticationLogin,
        "LoginAs": .authenticationLogin,
        "Logout": .authenticationLogout,
        "IdentityVerification": .authenticationMFA,
        "ReportExport": .resourceDownload,
        "DocumentAttachmentDownloads": .resourceDownload,
        "ContentTransfer": .resourceDownload,
        "Report": .resourceRead,
        "URI": .resourceRead,
        "LightningPageView": .resourceRead,
        "ListViewEvent": .resourceRead,
        "PermissionSetAssignment": .permissionAdd,
    ], catalogue: .salesforceEventLogFile)

    /// EventLogFile types that log one API call per row: the call's method decides.
    static let apiEventTypes: Set<String> = [
        "API", "RestApi", "BulkApi", "BulkApi2", "AuraRequest", "ApexCallout", "ApexRestApi", "ApexSoap",
        "VisualforceRequest", "LightningInteraction",
    ]

    /// Real-time event monitoring objects whose meaning does not depend on the payload.
    static let eventObjects = BehaviorRules([
        "LoginEvent": .authenticationLogin,
        "LoginAsEvent": .authenticationLogin,
        "LogoutEvent": .authenticationLogout,
        "IdentityVerificationEvent": .authenticationMFA,
        "ListViewEvent": .resourceRead,
        // BulkApiResultEvent records a user downloading the results of a Bulk API job.
        "BulkApiResultEvent": .resourceDownload,
        "FileEvent": .resourceDownload,
        "PermissionSetEvent": .permissionAdd,
    ], catalogue: .salesforceRealTime)

    /// Real-time objects whose `Operation` says what happened (Create, Read, QueryMore, ReportExported…).
    static let operationEventObjects: Set<String> = ["ApiEvent", "UriEvent", "LightningUriEvent", "ReportEvent"]

    /// The behavior of an API operation; reads of more than `OperationVerb.bulkRowThreshold` rows
    /// are exports.
    static func operation(_ name: String, rows: Double?) -> Behavior {
        if name.hasPrefix("Report") {
            return name.includes("Export") ? .resourceDownload : .resourceRead
        }
        let behavior = OperationVerb.classify(name)
        if behavior == .resourceRead, let rows, rows > OperationVerb.bulkRowThreshold { return .resourceDownload }
        return behavior
    }

    /// `behavior` turned round when a setup trail `Display` says the change took something away:
    /// a permission switched off, an access level lowered, a role or profile taken away.
    static func direction(_ behavior: Behavior, display: String) -> Behavior {
        guard behavior == .permissionAdd || behavior == .mfaEnroll, !display.isEmpty else { return behavior }
        let text = display.lowercased()
        let removed = ["from enabled to disabled", "from on to off", "to no access", "to <none specified>", "was disabled",
                       "is disabled", " removed ", "unassigned", "revoked", "was removed"]
        var lowered = removed.contains(where: text.contains)
        // "… changed from Read, Create, Edit to Read": fewer rights than before.
        if !lowered, let from = text.range(of: " from ", options: .backwards) {
            let change = text[from.upperBound...]
            if let to = change.range(of: " to ") {
                let before = change[..<to.lowerBound], after = change[to.upperBound...]
                let rank: (Substring) -> Int = { side in
                    if side.hasPrefix("no access") || side.hasPrefix("none") { return 0 }
                    if side.hasPrefix("read only") { return 1 }
                    if side.hasPrefix("edit") || side.hasPrefix("read/write") { return 2 }
                    return side.split(separator: ",").count + 2
                }
                lowered = rank(after) < rank(before)
            }
        }
        guard lowered else { return behavior }
        return behavior == .permissionAdd ? .permissionRemove : .mfaUnenroll
    }

    static let setupActions = BehaviorRules([
        // Users (Salesforce users are deactivated or frozen, never deleted)
        "createduser": .userCreate,
        "changedemail": .userUpdate,
        "changedpassword": .userUpdate,
        "resetpassword": .userUpdate,
        "changedUsername": .userUpdate,
        "changedManager": .userUpdate,
        "frozeuser": .userUpdate,
        "unfrozeuser": .userUpdate,
        "activateduser": .userUpdate,
        "deactivateduser": .userDelete,
        "changedprofileforuser": .permissionAdd,
        "changedroleforuser": .permissionAdd,
        // Multi-factor authenticators
        "insertAuthenticatorPairing": .mfaEnroll,
        "deleteAuthenticatorPairing": .mfaUnenroll,
        "insertTwoFactorInfo*": .mfaEnroll,
        "deleteTwoFactorInfo*": .mfaUnenroll,
        "deleteTwoFactorTempCode": .mfaUnenroll,
        "registeredU2F*": .mfaEnroll,
        "deletedU2F*": .mfaUnenroll,
        // Public groups and queues
        "createdgroup": .groupCreate,
        "updatedgroup": .groupUpdate,
        "deletedgroup": .groupDelete,
        // The trail says only "Changed membership of Group X": it cannot tell an addition from a
        // removal, so it counts as an addition.
        "groupMembership": .groupMemberAdd,
        // Profiles and permission sets are Salesforce's roles: bundles of permissions.
        "profileCreate*": .roleCreate,
        "profileCloned*": .roleCreate,
        "profileDelete*": .roleDelete,
        "profile*": .roleUpdate,
        "SetupEntityAccessAudit_Profile_*": .roleUpdate,
        "PermSetCreate": .roleCreate,
        "PermSetDelete": .roleDelete,
        "PermSetEnableUserPerm": .permissionAdd,
        "PermSetDisableUserPerm": .permissionRemove,
        "PermSetAssign": .permissionAdd,
        "PermSetUnassign": .permissionRemove,
        "PermSetGroupAssign": .permissionAdd,
        "PermSetGroupUnassign": .permissionRemove,
        "createdrole": .roleCreate,
        "deletedrole": .roleDelete,
        "changedrole*": .roleUpdate,
        // Packages and connected apps
        "installedpackagingapp": .integrationCreate,
        "upgradedpackagingapp": .integrationUpdate,
        "uninstalledpackagingapp": .integrationDelete,
        "createdConnectedApp*": .integrationCreate,
        "updatedConnectedApp*": .integrationUpdate,
        "deletedConnectedApp*": .integrationDelete,
        // Security controls
        "changedPasswordPolicy*": .policyUpdate,
        "changedsessionsettings": .policyUpdate,
        "loginipranges*": .policyUpdate,
        "createdAuthProvider": .policyCreate,
        "updatedAuthProvider": .policyUpdate,
        "deletedAuthProvider": .policyDelete,
        "createdSamlConfig": .policyCreate,
        "changedSamlConfig": .policyUpdate,
        "deletedSamlConfig": .policyDelete,
        // Names the reference does not list; the grammar reads "credential" as a user's.
        "namedCredentialDelete": .integrationDelete,
        "externalCredentialDelete": .integrationDelete,
        "externalCredentialFieldChange": .integrationUpdate,
    ], catalogue: .salesforceSetupAuditTrail)
}
