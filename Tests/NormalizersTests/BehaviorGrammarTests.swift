import Normalizers
import RelayCore
import Testing

/// The shared grammar on names no vendor table lists: one case per object and verb family, in the
/// shapes vendors use (dotted, snake_case, camelCase, PascalCase, cmdlets, sentences, upper case).
@Suite struct BehaviorGrammarTests {
    @Test func splitsEveryNamingStyleIntoWords() {
        #expect(BehaviorGrammar.words("user.lifecycle.create") == ["user", "lifecycle", "create"])
        #expect(BehaviorGrammar.words("RemovePermission") == ["remove", "permission"])
        #expect(BehaviorGrammar.words("Set-RoleGroup") == ["set", "role", "group"])
        #expect(BehaviorGrammar.words("MULTI_FACTOR_AUTH_DISABLE") == ["multi", "factor", "auth", "disable"])
        #expect(BehaviorGrammar.words("SSOLoginFailed") == ["sso", "login", "failed"])
        #expect(BehaviorGrammar.words("Add member to group.") == ["add", "member", "to", "group"])
        #expect(BehaviorGrammar.words("sys_user_has_role:create") == ["sys", "user", "has", "role", "create"])
    }

    static let families: [(String, Behavior)] = [
        // Sessions
        ("user.session.start", .authenticationLogin), ("UserLoggedIn", .authenticationLogin), ("user_login_failed", .authenticationLogin),
        ("SignInEvent", .authenticationLogin), ("sso_response", .authenticationLogin), ("user.session.end", .authenticationLogout),
        ("Sign out", .authenticationLogout), ("session_revoked", .authenticationLogout),
        // MFA
        ("user.mfa.factor.activate", .mfaEnroll), ("MULTI_FACTOR_AUTH_ENABLE", .mfaEnroll), ("webauthn_credential_created", .mfaEnroll),
        ("user.mfa.factor.deactivate", .mfaUnenroll), ("deleteTwoFactorInfo", .mfaUnenroll), ("otp_device_removed", .mfaUnenroll),
        ("reset_authenticator", .mfaUnenroll), ("mfa_challenge", .authenticationMFA), ("Otp Check Success", .authenticationMFA),
        // Users
        ("user.lifecycle.create", .userCreate), ("NEW_USER", .userCreate), ("Add user.", .userCreate), ("guest_invited", .userCreate),
        ("user.account.update_password", .userUpdate), ("EDIT_USER", .userUpdate), ("user_profile_updated", .userUpdate),
        ("user.lifecycle.delete.initiated", .userDelete), ("user_deactivated", .userDelete), ("Remove-Mailbox", .userDelete),
        ("user.view", .userRead), ("GetUser", .userRead),
        // Groups and membership
        ("group.lifecycle.create", .groupCreate), ("New-DistributionGroup", .groupCreate), ("team.rename", .groupUpdate),
        ("group.lifecycle.delete", .groupDelete), ("TeamDeleted", .groupDelete), ("Add member to group.", .groupMemberAdd),
        ("org.add_member", .groupMemberAdd), ("user_removed_from_usergroup", .groupMemberRemove), ("group.user_membership.remove", .groupMemberRemove),
        // Roles and permissions
        ("iam.role.create", .roleCreate), ("Update role definition.", .roleUpdate), ("iam.role.delete", .roleDelete),
        ("Add member to role.", .permissionAdd), ("New-ManagementRoleAssignment", .permissionAdd), ("user.account.privilege.grant", .permissionAdd),
        ("AddPermission", .permissionAdd), ("RemovePermission", .permissionRemove), ("permissions_removed", .permissionRemove),
        ("Remove-ManagementRoleAssignment", .permissionRemove), ("COLLABORATION_INVITE", .permissionAdd), ("COLLABORATION_REMOVE", .permissionRemove),
        ("iam.role.permissions.delete", .roleUpdate),
        // Policies and settings
        ("policy.lifecycle.create", .policyCreate), ("Add policy.", .policyCreate), ("Edit Multifactor Policy", .policyUpdate),
        ("pref.sso_setting_changed", .policyUpdate), ("zone.update", .policyUpdate), ("Delete policy.", .policyDelete),
        ("trusted_endpoints_config_read", .policyRead), ("Identity Provider Created", .policyCreate),
        // Integrations
        ("app_installed", .integrationCreate), ("application.lifecycle.update", .integrationUpdate), ("app_scopes_expanded", .integrationUpdate),
        ("Delete application.", .integrationDelete), ("oauth_token_revoked", .integrationDelete), ("webhook.created", .integrationCreate),
        // Anything else
        ("repo.create", .resourceCreate), ("pull_request_review.delete", .resourceDelete), ("widget.update", .resourceUpdate),
        ("FileDownloaded", .resourceDownload), ("report_exported", .resourceDownload), ("PageViewed", .resourceRead),
        ("MailItemsAccessed", .resourceRead), ("MessageDeleted", .resourceDelete),
        // No behavior: no verb, or a detection about events rather than an event
        ("system.heartbeat", .none), ("SessionHijackingEvent", .none), ("suspicious_login_alert", .none), ("", .none),
    ]

    @Test(arguments: families)
    func readsTheObjectAndVerb(_ family: (name: String, behavior: Behavior)) {
        #expect(BehaviorGrammar.classify(family.name) == family.behavior, "\(family.name): \(BehaviorGrammar.read(BehaviorGrammar.words(family.name)))")
    }

    @Test func aVendorTableOverridesTheGrammarAndCanSayNoBehavior() {
        let rules = BehaviorRules(["policy.rule.update": .resourceUpdate, "system.widget.delete": .none])
        #expect(rules.decide("policy.rule.update").behavior == .resourceUpdate)
        #expect(rules.decide("policy.rule.update").basis == .table("policy.rule.update"))
        #expect(rules.decide("system.widget.delete").behavior == .none)  // decided: nothing to label
        #expect(rules.decide("policy.rule.delete") == (.policyDelete, .grammar("policy rule delete")))
        #expect(BehaviorRules([:], grammar: false).classify("policy.rule.delete") == .none)
    }

    @Test func aCatalogueRecordsEveryNameAndCountsItsCoverage() {
        let catalogue = VendorCatalogue(vendor: "v", source: "https://example.com/events", rows: """
            # name<TAB>decision
            user.created\tuser.create
            heartbeat\t-
            mystery\t?
            typo\tuser.crate
            """)
        #expect(catalogue.names == ["user.created", "heartbeat", "mystery", "typo"])
        #expect(catalogue.coverage.catalogued == 4)
        #expect(catalogue.coverage.decided == 2)
        #expect(catalogue.coverage.withBehavior == 1)
        #expect(catalogue.invalidRows == ["typo\tuser.crate"])
        let rules = BehaviorRules([:], catalogue: catalogue)
        #expect(rules.classify("heartbeat") == .none)
        #expect(rules.decide("heartbeat").basis == .table("heartbeat"))
    }
}
