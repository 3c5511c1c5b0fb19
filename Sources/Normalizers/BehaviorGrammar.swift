import RelayCore

/// The shared grammar under every vendor's behavior table: most audit event names are an object
/// and a verb in some vendor-specific shape (`user.lifecycle.create`, `org.add_member`,
/// `sys_user_has_role.insert`, `Add member to group.`, `RemovePermission`, `MULTI_FACTOR_AUTH_DISABLE`,
/// "Edit Multifactor Policy"). The name is split into words, the words name an object class and a
/// verb family, and the pair decides the behavior. A vendor supplies only how to split its names
/// and which fields carry the meaning; its table overrides the grammar where the grammar is wrong.
public enum BehaviorGrammar {
    /// What the grammar recognised in a name (for `normalize --explain` and the tests).
    public struct Reading: Sendable, Equatable {
        public var object: Object
        public var verb: Verb?
        public var behavior: Behavior
    }

    public enum Object: String, Sendable {
        case detection, session, mfa, membership, role, permission, policy, integration, group, user, resource
    }

    public enum Verb: String, Sendable {
        case login, logout, verify, create, delete, update, read, download, grant, revoke, enable, disable
    }

    /// Verbs that say more than "changed": a name with one of them overrides an update catch-all.
    public static let decisiveVerbs: Set<Verb> = [.create, .delete, .grant, .revoke, .login, .logout, .verify]

    /// The behavior `name` describes, or `.none` when it names no verb the grammar knows.
    public static func classify(_ name: String) -> Behavior { read(words(name)).behavior }

    public static func classify(words: [String]) -> Behavior { read(words).behavior }

    /// Lower-case words of a name: camelCase and PascalCase humps, digits, and every separator
    /// (`.`, `_`, `-`, `/`, `:`, space) split; `Set-RoleGroup` -> set role group.
    public static func words(_ name: String) -> [String] {
        var words: [String] = []
        var current: [Character] = []
        func flush() {
            if !current.isEmpty { words.append(String(current).lowercased()) }
            current.removeAll(keepingCapacity: true)
        }
        let characters = Array(name)
        for (index, character) in characters.enumerated() {
            guard character.isLetter || character.isNumber else {
                flush()
                continue
            }
            if character.isUppercase, let last = current.last {
                // A hump: "userLogin" -> user login; "SSOLogin" -> sso login (the last capital of a run starts the next word).
                let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
                if last.isLowercase || last.isNumber || (last.isUppercase && nextIsLower) { flush() }
            }
            current.append(character)
        }
        flush()
        return words.flatMap(splitGluedVerb)
    }

    /// `createdgroup` -> created group, `installedpackagingapp` -> installed packagingapp: vendors
    /// that write names in one lower-case word (Salesforce's Setup Audit Trail actions) glue the
    /// verb to the object. Only a known verb followed by a known object word is split off
    /// (`assignment` stays whole).
    static func splitGluedVerb(_ word: String) -> [String] {
        guard word.count >= 7, Lexicon.verbs[word] == nil else { return [word] }
        for length in stride(from: min(word.count - 3, 11), through: 3, by: -1) {
            let head = String(word.prefix(length)), rest = String(word.dropFirst(length))
            if Lexicon.gluedVerbs.contains(head) && Lexicon.objectWords.contains(rest) { return [head, rest] }
        }
        return [word]
    }

    /// Reads the object and verb of `words` and the behavior they make.
    public static func read(_ words: [String]) -> Reading {
        // "…_created_by_user": what follows "by" is who did it, not what was done to.
        let words = words.firstIndex(of: "by").map { Array(words[..<$0]) } ?? words
        let phrase = " " + words.joined(separator: " ") + " "
        let object = Self.object(words, phrase: phrase)
        let verb = Self.verb(words, phrase: phrase, object: object)
        return Reading(object: object, verb: verb, behavior: behavior(object: object, verb: verb, words: words, phrase: phrase))
    }

    // MARK: Objects, most specific first

    static func object(_ words: [String], phrase: String) -> Object {
        let set = Set(words)
        // A detection about an event ("SessionHijackingEvent", "suspicious_login_alert") is not the event.
        if !set.isDisjoint(with: Lexicon.detection) { return .detection }
        let mfa = !set.isDisjoint(with: Lexicon.mfa) || Lexicon.mfaPhrases.contains(where: phrase.contains)
        // A setting is a policy, also of SSO ("sso_setting_changed"); a policy about MFA is a policy
        // ("Edit Multifactor Policy"); a user's MFA preference is MFA.
        if !set.isDisjoint(with: Lexicon.policy) || Lexicon.policyPhrases.contains(where: phrase.contains) {
            return mfa && set.isDisjoint(with: ["policy", "policies", "rule", "rules"]) ? .mfa : .policy
        }
        if !set.isDisjoint(with: Lexicon.session) || Lexicon.sessionPhrases.contains(where: phrase.contains) { return .session }
        if mfa { return .mfa }
        let integration = !set.isDisjoint(with: Lexicon.integration) || Lexicon.integrationPhrases.contains(where: phrase.contains)
        if !set.isDisjoint(with: Lexicon.membership) { return .membership }
        if !set.isDisjoint(with: Lexicon.permission) {
            // An app's scopes are the app's settings; a role's permissions are the role.
            if integration { return .integration }
            if !set.isDisjoint(with: Lexicon.role) && set.isDisjoint(with: Lexicon.user) { return .role }
            return .permission
        }
        if !set.isDisjoint(with: Lexicon.role) { return .role }
        if integration { return .integration }
        if !set.isDisjoint(with: Lexicon.group) {
            // A user added to or removed from a group is membership ("user_removed_from_usergroup",
            // "AddedToGroup").
            let intoGroup = zip(words, words.dropFirst()).contains { ["to", "from", "into"].contains($0.0) && Lexicon.group.contains($0.1) }
            return set.isDisjoint(with: Lexicon.user) && !intoGroup ? .group : .membership
        }
        if !set.isDisjoint(with: Lexicon.user) { return .user }
        return .resource
    }

    // MARK: Verbs

    static func verb(_ words: [String], phrase: String, object: Object) -> Verb? {
        // A setting about SSO or sign-in is changed, not signed in to.
        if object != .policy {
            if Lexicon.logoutPhrases.contains(where: phrase.contains) { return .logout }
            if Lexicon.loginPhrases.contains(where: phrase.contains) { return .login }
        }
        // The strongest verb decides: a creation, deletion, grant or revocation says more than
        // the "update" or "set" around it ("PermSetDisableUserPerm", "MoveToDeletedItems",
        // "user_update:groups_added").
        var best: Verb?
        for word in words {
            guard let verb = Lexicon.verbs[word] else { continue }
            // On a tie the later word wins: vendors append the outcome (`…_set:cleared`).
            if best.map({ Lexicon.strength(verb) >= Lexicon.strength($0) }) ?? true { best = verb }
        }
        if let best { return best }
        if object == .session, !Set(words).isDisjoint(with: ["start", "started", "begin", "open", "opened", "success", "succeeded", "failed", "failure", "attempt"]) {
            return .login
        }
        if object == .session, !Set(words).isDisjoint(with: ["end", "ended", "expired", "terminated", "close", "closed", "clear", "cleared", "revoked", "killed"]) {
            return .logout
        }
        return nil
    }

    // MARK: Object × verb

    static func behavior(object: Object, verb: Verb?, words: [String], phrase: String) -> Behavior {
        if object == .detection { return .none }
        guard let verb else {
            // A bare session or login word ("SignInEvent", "MailboxLogin") is a login; a bare
            // factor event ("admin_2fa_error") is a second-factor attempt.
            switch object {
            case .session: return .authenticationLogin
            case .mfa: return .authenticationMFA
            default: return .none
            }
        }
        let set = Set(words)
        switch verb {
        // A sign-in that names its second factor is the MFA step of that sign-in ("UserLoggedIn:mfa").
        case .login: return object == .mfa || !set.isDisjoint(with: Lexicon.mfa) ? .authenticationMFA : .authenticationLogin
        case .logout: return .authenticationLogout
        case .download: return .resourceDownload
        case .verify: return .authenticationMFA
        default: break
        }
        switch object {
        case .detection:
            return .none
        case .session:
            switch verb {
            case .delete, .revoke, .disable: return .authenticationLogout
            case .verify: return .authenticationMFA
            default: return .authenticationLogin
            }
        case .mfa:
            switch verb {
            case .verify: return .authenticationMFA
            case .create, .enable, .grant: return .mfaEnroll
            case .delete, .disable, .revoke: return .mfaUnenroll
            case .update: return set.isDisjoint(with: ["reset", "unregister"]) ? .mfaEnroll : .mfaUnenroll
            case .read: return .userRead
            case .login, .logout, .download: return .none
            }
        case .membership:
            // Membership of an app or a role is access; of a group or team, membership.
            let access = !set.isDisjoint(with: Lexicon.integration) || !set.isDisjoint(with: Lexicon.role)
            switch verb {
            case .create, .grant, .enable: return access ? .permissionAdd : .groupMemberAdd
            case .delete, .revoke, .disable: return access ? .permissionRemove : .groupMemberRemove
            case .read: return .groupRead
            default: return .groupUpdate
            }
        case .permission:
            switch verb {
            case .create, .grant, .enable, .update: return .permissionAdd
            case .delete, .revoke, .disable: return .permissionRemove
            case .read: return .roleRead
            default: return .none
            }
        case .role:
            // A role given to or taken from someone is access; the role itself, a role change.
            let assignment = !set.isDisjoint(with: Lexicon.user) || !set.isDisjoint(with: Lexicon.membership)
                || !set.isDisjoint(with: ["assignment", "assignments", "assigned", "assign", "unassign", "unassigned"])
            // An app added to or removed from a role changes the role ("APP_ADDED_TO_ROLE"); an
            // "application role" itself is a role.
            if !assignment && !set.isDisjoint(with: Lexicon.integration) && !set.isDisjoint(with: ["to", "from"]) && verb != .read { return .roleUpdate }
            // A role's own permissions changing is the role changing.
            if !assignment && !set.isDisjoint(with: Lexicon.permission) && verb != .read { return .roleUpdate }
            switch verb {
            case .grant: return .permissionAdd
            case .revoke: return .permissionRemove
            case .create, .enable: return assignment ? .permissionAdd : .roleCreate
            case .delete, .disable: return assignment ? .permissionRemove : .roleDelete
            case .update: return .roleUpdate
            case .read: return .roleRead
            default: return .none
            }
        case .policy:
            return crud(verb, create: .policyCreate, read: .policyRead, update: .policyUpdate, delete: .policyDelete)
        case .integration:
            switch verb {
            case .grant: return .integrationCreate
            case .revoke: return .integrationDelete
            case .enable, .disable: return .integrationUpdate
            default: return crud(verb, create: .integrationCreate, read: .integrationRead, update: .integrationUpdate, delete: .integrationDelete)
            }
        case .group:
            switch verb {
            case .grant: return .groupMemberAdd
            case .revoke: return .groupMemberRemove
            case .enable, .disable: return .groupUpdate
            default: return crud(verb, create: .groupCreate, read: .groupRead, update: .groupUpdate, delete: .groupDelete)
            }
        case .user:
            switch verb {
            case .grant: return .permissionAdd
            case .revoke: return .permissionRemove
            case .enable: return .userUpdate
            // Deactivating or suspending an account takes it away (Slack `user_deactivated`).
            case .disable: return .userDelete
            default: return crud(verb, create: .userCreate, read: .userRead, update: .userUpdate, delete: .userDelete)
            }
        case .resource:
            switch verb {
            case .grant: return .permissionAdd
            case .revoke: return .permissionRemove
            case .enable, .disable: return .resourceUpdate
            default: return crud(verb, create: .resourceCreate, read: .resourceRead, update: .resourceUpdate, delete: .resourceDelete)
            }
        }
    }

    static func crud(_ verb: Verb, create: Behavior, read: Behavior, update: Behavior, delete: Behavior) -> Behavior {
        switch verb {
        case .create: return create
        case .read: return read
        case .update: return update
        case .delete: return delete
        case .download: return .resourceDownload
        default: return .none
        }
    }
}

/// The words the grammar knows. Plurals and past tenses are listed, not stemmed: a short list is
/// easier to read and correct than a stemmer.
enum Lexicon {
    static let detection: Set<String> = ["hijacking", "hijack", "anomaly", "anomalous", "threat", "threats", "detection", "detected", "alert",
                                         "alerts", "suspicious", "breach", "malware", "phishing", "stuffing", "impossible", "risky",
                                         "warning", "violation"]
    static let session: Set<String> = ["session", "sessions", "login", "logins", "logon", "signin", "logout", "logoff", "signout", "sso", "saml",
                                       "oidc", "authentication", "authenticate", "authenticated", "impersonation", "impersonate", "impersonated"]
    static let sessionPhrases = [" sign in ", " sign out ", " log in ", " log out ", " log off ", " logged in ", " logged out ", " signed in ", " signed out "]
    static let loginPhrases = [" login", " logon", " signin", " sign in ", " log in ", " logged in", " logged into ", " signed in ", " authenticate",
                               " sso ", " saml response", " sso response", " session start", " session created", " access allowed ",
                               " impersonat"]
    static let logoutPhrases = [" logout", " logoff", " signout", " sign out ", " log out ", " log off ", " logged out", " signed out ",
                                " session end", " session deleted", " session delete", " session revoked", " session terminated", " session expired",
                                " session destroy"]

    static let mfa: Set<String> = ["mfa", "2fa", "2sv", "factor", "factors", "authenticator", "authenticators", "otp", "totp", "hotp", "passcode",
                                   "passcodes", "webauthn", "webauthncredential", "fido", "fido2", "u2f", "yubikey", "passkey", "passkeys",
                                   "multifactor", "twofactor", "twofactorinfo", "twofactorinfo2", "verify", "biometric", "authenticatorpairing",
                                   "securitykey", "smartcard", "push", "bypass", "duo_push"]
    static let mfaPhrases = [" two factor", " multi factor", " security key", " okta verify", " second factor", " strong auth", " strongauth",
                             " 2 step", " two step"]

    static let membership: Set<String> = ["member", "members", "membership", "memberships", "collaborator", "collaborators", "participant"]
    static let role: Set<String> = ["role", "roles", "rolegroup", "persona"]
    static let permission: Set<String> = ["permission", "permissions", "perm", "perms", "privilege", "privileges", "grant", "grants", "acl", "acls",
                                          "access", "scope", "scopes", "entitlement", "entitlements", "rights", "permset", "permissionset",
                                          "sharing", "share", "shared", "collaboration", "delegation", "delegate", "ownership"]
    static let policy: Set<String> = ["policy", "policies", "setting", "settings", "rule", "rules", "config", "configuration",
                                      "restriction", "restrictions", "setup", "zone", "zones", "idp", "authsource", "ip",
                                      "allowlist", "whitelist", "blocklist", "conditional", "compliance", "retention", "pref", "preference",
                                      "preferences", "federation", "provider", "mode", "enforcement", "protection", "dlp", "filter"]
    static let policyPhrases = [" identity provider", " ip range", " network zone", " sso setting", " trusted ip"]
    static let integration: Set<String> = ["integration", "integrations", "app", "apps", "application", "applications", "oauth", "oauth2", "token",
                                           "tokens", "apikey", "key", "keys", "webhook", "webhooks", "hook", "hooks", "connector", "connectors",
                                           "plugin", "plugins", "client", "clients", "bot", "bots", "package", "packagingapp", "connectedapp",
                                           "serviceprincipal", "principal", "certificate", "addon", "extension", "marketplace",
                                           "directory", "agent", "agents", "server", "servers", "api"]
    static let integrationPhrases = [" api key", " service principal", " connected app", " personal access token", " deploy key"]
    static let group: Set<String> = ["group", "groups", "team", "teams", "usergroup", "usergroups", "distribution",
                                     "org", "organization", "organisation"]
    static let user: Set<String> = ["user", "users", "account", "accounts", "person", "people", "employee", "identity", "guest", "guests",
                                    "contractor", "worker", "email", "username", "mailbox", "admin", "admins", "administrator", "password",
                                    "passwords", "credential", "credentials", "owner", "owners", "superuser"]

    static let verbs: [String: BehaviorGrammar.Verb] = {
        var table: [String: BehaviorGrammar.Verb] = [:]
        func add(_ words: [String], _ verb: BehaviorGrammar.Verb) { for word in words { table[word] = verb } }
        add(["create", "created", "creation", "add", "added", "adds", "insert", "inserted", "new", "register", "registered", "registration",
             "provision", "provisioned", "invite", "invited", "import", "imported", "upload", "uploaded", "clone", "cloned", "install",
             "installed", "join", "joined", "enroll", "enrolled", "enrollment", "post", "posted", "send", "sent", "copy", "copied",
             "generate", "generated", "issue", "issued", "approve", "approved", "restore", "restored", "undelete", "publish",
             "published", "submit", "submitted", "pair", "paired", "link", "linked", "connect", "connected", "authorize", "authorized",
             "associate", "associated"], .create)
        add(["delete", "deleted", "deletion", "remove", "removed", "removal", "destroy", "destroyed", "deprovision", "deprovisioned", "purge",
             "purged", "drop", "dropped", "uninstall", "uninstalled", "leave", "left", "unenroll", "unenrolled", "unregister", "unregistered",
             "trash", "trashed", "archive", "archived", "expunge", "unlink", "unlinked", "disconnect", "disconnected", "erase", "erased",
             "wipe", "wiped", "unpair", "unpaired", "disassociate", "disassociated", "clear", "cleared"], .delete)
        add(["update", "updated", "updates", "edit", "edited", "change", "changed", "changes", "set", "modify", "modified", "rename",
             "renamed", "patch", "patched", "move", "moved", "reset", "resets", "unlock", "unlocked", "lock", "locked", "transfer",
             "transferred", "convert", "converted", "upgrade", "upgraded", "migrate", "migrated", "replace", "replaced", "rotate",
             "rotated", "restrict", "restricted", "expand", "expanded", "alter", "altered", "configure", "configured", "assign.changed",
             "reactivate", "reactivated", "unsuspend", "unsuspended", "restore.setting", "promote", "promoted", "demote", "demoted",
             "unset", "write", "wrote", "overwrite", "sync", "synced", "merge", "merged", "save", "saved", "upsert", "upserted",
             "regen", "regenerate", "regenerated"], .update)
        add(["read", "view", "viewed", "views", "list", "listed", "get", "describe", "described", "show", "shown", "search", "searched",
             "query", "queried", "open", "opened", "preview", "previewed", "access.read", "accessed", "retrieve", "retrieved", "browse",
             "display", "displayed", "fetch", "fetched", "select", "selected", "inspect", "audit"], .read)
        add(["download", "downloaded", "downloads", "export", "exported", "exports", "print", "printed", "unload", "extract",
             "extracted", "copyinto", "get.file"], .download)
        add(["grant", "granted", "assign", "assigned", "give", "given", "allow", "allowed", "elevate", "elevated", "escalate", "share"], .grant)
        add(["revoke", "revoked", "unassign", "unassigned", "deny", "denied", "withdraw", "withdrawn", "unshare", "unshared", "strip"], .revoke)
        add(["enable", "enabled", "activate", "activated", "on", "turn.on", "unsuspend.user"], .enable)
        add(["disable", "disabled", "deactivate", "deactivated", "inactivate", "inactivated", "suspend", "suspended", "block", "blocked", "off",
             "ban", "banned"], .disable)
        add(["verify", "verified", "verification", "challenge", "challenged", "check", "checked"], .verify)
        return table
    }()

    /// Every word that names an object.
    static let objectWords: Set<String> = mfa.union(membership).union(role).union(permission).union(policy).union(integration)
        .union(group).union(user).union(session)

    /// How much a verb says when a name holds several.
    static func strength(_ verb: BehaviorGrammar.Verb) -> Int {
        switch verb {
        case .login, .logout, .download: return 6
        case .grant, .revoke: return 5
        case .create, .delete: return 4
        case .enable, .disable: return 3
        case .verify: return 2
        case .update: return 1
        case .read: return 0
        }
    }

    /// Verbs seen glued to their object in one word (`createdgroup`, `deleteduser`).
    static let gluedVerbs: Set<String> = ["created", "create", "deleted", "delete", "changed", "change", "updated", "update", "added", "add",
                                          "removed", "remove", "installed", "install", "uninstalled", "uninstall", "upgraded", "upgrade",
                                          "enabled", "enable", "disabled", "disable", "reset", "granted", "grant", "revoked", "revoke",
                                          "assigned", "assign", "unassigned", "activated", "activate", "deactivated", "deactivate",
                                          "renamed", "rename", "modified", "edited", "edit", "new", "set", "unlocked", "locked",
                                          "frozen", "unfrozen", "suspended", "cloned", "clone", "moved", "exported", "export", "viewed", "view"]
}
