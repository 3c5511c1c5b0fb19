import Normalizers
import RelayCore
import Testing
@testable import Vendors

/// Hand-written events in the vendor's documented shape, one per verb/object family.
@Suite struct GitHubFamilyTests {
    static let cases: [CatalogueCase] = [
        .init("github", "audit_log", "user.login", .authenticationLogin, #"{"_document_id":"gf1","@timestamp":1686089206322,"action":"user.login","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "user.logout", .authenticationLogout, #"{"_document_id":"gf2","@timestamp":1686089206322,"action":"user.logout","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "user.two_factor_challenge_failure", .authenticationMFA, #"{"_document_id":"gf3","@timestamp":1686089206322,"action":"user.two_factor_challenge_failure","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "security_key.register", .mfaEnroll, #"{"_document_id":"gf4","@timestamp":1686089206322,"action":"security_key.register","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "passkey.remove", .mfaUnenroll, #"{"_document_id":"gf5","@timestamp":1686089206322,"action":"passkey.remove","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "two_factor_authentication.add_factor", .mfaEnroll, #"{"_document_id":"gf6","@timestamp":1686089206322,"action":"two_factor_authentication.add_factor","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "external_identity.provision", .userCreate, #"{"_document_id":"gf7","@timestamp":1686089206322,"action":"external_identity.provision","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "user.rename", .userUpdate, #"{"_document_id":"gf8","@timestamp":1686089206322,"action":"user.rename","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "external_identity.deprovision", .userDelete, #"{"_document_id":"gf9","@timestamp":1686089206322,"action":"external_identity.deprovision","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "user.two_factor_recovery_codes_viewed", .userRead, #"{"_document_id":"gf10","@timestamp":1686089206322,"action":"user.two_factor_recovery_codes_viewed","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "enterprise_team.create", .groupCreate, #"{"_document_id":"gf11","@timestamp":1686089206322,"action":"enterprise_team.create","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "team.change_privacy", .groupUpdate, #"{"_document_id":"gf12","@timestamp":1686089206322,"action":"team.change_privacy","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "external_group.delete", .groupDelete, #"{"_document_id":"gf13","@timestamp":1686089206322,"action":"external_group.delete","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "enterprise_team.add_member", .groupMemberAdd, #"{"_document_id":"gf14","@timestamp":1686089206322,"action":"enterprise_team.add_member","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "business.remove_member", .groupMemberRemove, #"{"_document_id":"gf15","@timestamp":1686089206322,"action":"business.remove_member","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "enterprise_role.create", .roleCreate, #"{"_document_id":"gf16","@timestamp":1686089206322,"action":"enterprise_role.create","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "organization_role.update", .roleUpdate, #"{"_document_id":"gf17","@timestamp":1686089206322,"action":"organization_role.update","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "role.destroy", .roleDelete, #"{"_document_id":"gf18","@timestamp":1686089206322,"action":"role.destroy","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "organization_role.assign", .permissionAdd, #"{"_document_id":"gf19","@timestamp":1686089206322,"action":"organization_role.assign","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "enterprise_role.revoke", .permissionRemove, #"{"_document_id":"gf20","@timestamp":1686089206322,"action":"enterprise_role.revoke","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "repository_ruleset.create", .policyCreate, #"{"_document_id":"gf21","@timestamp":1686089206322,"action":"repository_ruleset.create","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "ssh_certificate_requirement.disable", .policyUpdate, #"{"_document_id":"gf22","@timestamp":1686089206322,"action":"ssh_certificate_requirement.disable","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "security_configuration.delete", .policyDelete, #"{"_document_id":"gf23","@timestamp":1686089206322,"action":"security_configuration.delete","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "oauth_application.create", .integrationCreate, #"{"_document_id":"gf24","@timestamp":1686089206322,"action":"oauth_application.create","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "hook.events_changed", .integrationUpdate, #"{"_document_id":"gf25","@timestamp":1686089206322,"action":"hook.events_changed","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "personal_access_token.destroy", .integrationDelete, #"{"_document_id":"gf26","@timestamp":1686089206322,"action":"personal_access_token.destroy","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "audit_log_streaming.check", .integrationRead, #"{"_document_id":"gf27","@timestamp":1686089206322,"action":"audit_log_streaming.check","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "gist.create", .resourceCreate, #"{"_document_id":"gf28","@timestamp":1686089206322,"action":"gist.create","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "git.fetch", .resourceRead, #"{"_document_id":"gf29","@timestamp":1686089206322,"action":"git.fetch","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "issue_type.update", .resourceUpdate, #"{"_document_id":"gf30","@timestamp":1686089206322,"action":"issue_type.update","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "artifact.destroy", .resourceDelete, #"{"_document_id":"gf31","@timestamp":1686089206322,"action":"artifact.destroy","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "migration.download", .resourceDownload, #"{"_document_id":"gf32","@timestamp":1686089206322,"action":"migration.download","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "secret_scanning_alert.create", .none, #"{"_document_id":"gf33","@timestamp":1686089206322,"action":"secret_scanning_alert.create","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "org.self_hosted_runner_online", .none, #"{"_document_id":"gf34","@timestamp":1686089206322,"action":"org.self_hosted_runner_online","actor":"octo","actor_id":1}"#),
        .init("github", "audit_log", "team.update_repository_permission", .permissionRemove, #"{"_document_id":"gf35","@timestamp":1686089206322,"action":"team.update_repository_permission","actor":"octo","actor_id":1,"old_repo_permission":"admin","new_repo_permission":"maintain","team":"acme/devs","repo":"acme/app"}"#),
        .init("github", "audit_log", "team.update_repository_permission", .permissionAdd, #"{"_document_id":"gf36","@timestamp":1686089206322,"action":"team.update_repository_permission","actor":"octo","actor_id":1,"old_repo_permission":"pull","new_repo_permission":"push","team":"acme/devs","repo":"acme/app"}"#),
        .init("github", "audit_log", "repo.update_member", .permissionRemove, #"{"_document_id":"gf37","@timestamp":1686089206322,"action":"repo.update_member","actor":"octo","actor_id":1,"old_permission":"write","permission":"read","user":"alice","repo":"acme/app"}"#),
        .init("github", "audit_log", "repo.update_member", .permissionAdd, #"{"_document_id":"gf38","@timestamp":1686089206322,"action":"repo.update_member","actor":"octo","actor_id":1,"old_permission":"read","permission":"admin","user":"alice","repo":"acme/app"}"#),
        .init("github", "audit_log", "org.update_member", .permissionRemove, #"{"_document_id":"gf39","@timestamp":1686089206322,"action":"org.update_member","actor":"octo","actor_id":1,"old_permission":"admin","permission":"read","user":"alice","org":"acme"}"#),
        .init("github", "audit_log", "project_collaborator.update", .permissionRemove, #"{"_document_id":"gf40","@timestamp":1686089206322,"action":"project_collaborator.update","actor":"octo","actor_id":1,"old_permission":"admin","permission":"read"}"#),
        .init("github", "webhook", "member.edited", .permissionAdd, #"{"X-GitHub-Event":"member","X-GitHub-Delivery":"d-41","action":"edited","sender":{"login":"octo","id":1},"changes":{"permission":{"from":"read","to":"write"}},"member":{"login":"alice"},"repository":{"full_name":"acme/app"}}"#),
        .init("github", "webhook", "member.edited", .permissionRemove, #"{"X-GitHub-Event":"member","X-GitHub-Delivery":"d-42","action":"edited","sender":{"login":"octo","id":1},"changes":{"permission":{"from":"admin","to":"triage"}},"member":{"login":"alice"},"repository":{"full_name":"acme/app"}}"#),
        .init("github", "webhook", "member.edited", .userUpdate, #"{"X-GitHub-Event":"member","X-GitHub-Delivery":"d-43","action":"edited","sender":{"login":"octo","id":1},"changes":{},"member":{"login":"alice"}}"#),
        .init("github", "webhook", "team.edited", .permissionRemove, #"{"X-GitHub-Event":"team","X-GitHub-Delivery":"d-44","action":"edited","sender":{"login":"octo","id":1},"changes":{"repository":{"permissions":{"from":{"admin":true,"push":true,"pull":true}}}},"repository":{"full_name":"acme/app","permissions":{"admin":false,"push":false,"pull":true}},"team":{"name":"devs"}}"#),
        .init("github", "webhook", "organization.member_invited", .userCreate, #"{"X-GitHub-Event":"organization","X-GitHub-Delivery":"d-45","action":"member_invited","sender":{"login":"octo","id":1}}"#),
        .init("github", "webhook", "repository.publicized", .permissionAdd, #"{"X-GitHub-Event":"repository","X-GitHub-Delivery":"d-46","action":"publicized","sender":{"login":"octo","id":1}}"#),
        .init("github", "webhook", "deploy_key.created", .integrationCreate, #"{"X-GitHub-Event":"deploy_key","X-GitHub-Delivery":"d-47","action":"created","sender":{"login":"octo","id":1}}"#),
        .init("github", "webhook", "repository_ruleset.deleted", .policyDelete, #"{"X-GitHub-Event":"repository_ruleset","X-GitHub-Delivery":"d-48","action":"deleted","sender":{"login":"octo","id":1}}"#),
        .init("github", "webhook", "workflow_job.queued", .none, #"{"X-GitHub-Event":"workflow_job","X-GitHub-Delivery":"d-49","action":"queued","sender":{"login":"octo","id":1}}"#),
        .init("github", "webhook", "push", .resourceUpdate, #"{"X-GitHub-Event":"push","X-GitHub-Delivery":"d-50","sender":{"login":"octo","id":1}}"#),
    ]

    @Test(arguments: cases) func family(_ testCase: CatalogueCase) throws {
        try testCase.check()
    }
}
