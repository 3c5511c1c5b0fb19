import Normalizers
import RelayCore

/// Event names of the Reports API applications. Admin events are UPPER_CASE, login/drive/token
/// events lower_case; matching is case-insensitive, so the exact names below never collide.
enum GoogleWorkspaceCatalogue {
    static let rules = BehaviorRules([
        // login (and saml) application
        "login_success": .authenticationLogin,
        "login_failure": .authenticationLogin,
        "suspicious_login*": .authenticationLogin,
        "logout": .authenticationLogout,
        "login_challenge": .authenticationMFA,
        "login_verification": .authenticationMFA,
        "2sv_enroll": .mfaEnroll,
        "2sv_disable": .mfaUnenroll,
        "passkey_enrolled": .mfaEnroll,
        "passkey_removed": .mfaUnenroll,
        "password_edit": .userUpdate,
        // admin application: users
        "CREATE_USER": .userCreate,
        "DELETE_USER": .userDelete,
        "UNDELETE_USER": .userCreate,
        "SUSPEND_USER": .userUpdate,
        "UNSUSPEND_USER": .userUpdate,
        "RENAME_USER": .userUpdate,
        "CHANGE_USER_*": .userUpdate,
        "CHANGE_PASSWORD": .userUpdate,
        "CHANGE_FIRST_NAME": .userUpdate,
        "CHANGE_LAST_NAME": .userUpdate,
        "USER_LICENSE_*": .userUpdate,
        "GRANT_ADMIN_PRIVILEGE": .permissionAdd,
        "REVOKE_ADMIN_PRIVILEGE": .permissionRemove,
        "ASSIGN_ROLE": .permissionAdd,
        "UNASSIGN_ROLE": .permissionRemove,
        "ADD_PRIVILEGE": .permissionAdd,
        "REMOVE_PRIVILEGE": .permissionRemove,
        // 2-Step Verification: security keys are factors; backup codes are a stored secret the
        // EMM treats as a resource.
        "SECURITY_KEY_REGISTERED_FOR_USER": .mfaEnroll,
        "REVOKE_SECURITY_KEY": .mfaUnenroll,
        "TURN_OFF_2_STEP_VERIFICATION": .mfaUnenroll,
        "GENERATE_2SV_SCRATCH_CODES": .resourceCreate,
        "DELETE_2SV_SCRATCH_CODES": .resourceDelete,
        "ENFORCE_STRONG_AUTHENTICATION": .policyUpdate,
        // roles
        "CREATE_ROLE": .roleCreate,
        "DELETE_ROLE": .roleDelete,
        "RENAME_ROLE": .roleUpdate,
        "UPDATE_ROLE": .roleUpdate,
        // groups (admin and groups_enterprise applications)
        "CREATE_GROUP": .groupCreate,
        "DELETE_GROUP": .groupDelete,
        "CHANGE_GROUP_*": .groupUpdate,
        "ADD_GROUP_MEMBER": .groupMemberAdd,
        "REMOVE_GROUP_MEMBER": .groupMemberRemove,
        "UPDATE_GROUP_MEMBER": .groupUpdate,
        "add_member": .groupMemberAdd,
        "remove_member": .groupMemberRemove,
        // Context-Aware Access assignments attach access levels (policies) to applications.
        "CHANGE_CAA_APP_ASSIGNMENTS": .policyCreate,
        "CREATE_ACCESS_LEVEL*": .policyCreate,
        "DELETE_ACCESS_LEVEL*": .policyDelete,
        "CHANGE_ACCESS_LEVEL*": .policyUpdate,
        "CHANGE_ALLOWED_TWO_STEP_VERIFICATION_METHODS": .policyUpdate,
        "CHANGE_TWO_STEP_VERIFICATION_*": .policyUpdate,
        "CHANGE_SSO_SETTINGS": .policyUpdate,
        "CHANGE_PASSWORD_*": .policyUpdate,
        // applications and API clients
        "ADD_APPLICATION": .integrationCreate,
        "REMOVE_APPLICATION": .integrationDelete,
        "CHANGE_APPLICATION_SETTING": .integrationUpdate,
        "CREATE_APPLICATION_SETTING": .integrationUpdate,
        "DELETE_APPLICATION_SETTING": .integrationUpdate,
        "AUTHORIZE_API_CLIENT_ACCESS": .integrationCreate,
        "REMOVE_API_CLIENT_ACCESS": .integrationDelete,
        "authorize": .integrationCreate,
        "revoke": .integrationDelete,
        // SAML service-provider configs are labelled by the EMM as resources of the tenant.
        "CREATE_SAML2_SERVICE_PROVIDER_CONFIG": .resourceCreate,
        "UPDATE_SAML2_SERVICE_PROVIDER_CONFIG": .resourceUpdate,
        "DELETE_SAML2_SERVICE_PROVIDER_CONFIG": .resourceDelete,
        // drive application
        "download": .resourceDownload,
        "view": .resourceRead,
        "preview": .resourceRead,
        "create": .resourceCreate,
        "upload": .resourceCreate,
        "copy": .resourceCreate,
        "edit": .resourceUpdate,
        "rename": .resourceUpdate,
        "move": .resourceUpdate,
        "delete": .resourceDelete,
        "trash": .resourceDelete,
        "change_user_access": .permissionAdd,
        "change_acl_editors": .permissionAdd,
        "change_document_visibility": .permissionAdd,
        "change_document_access_scope": .permissionAdd,
        // other admin settings
        "CREATE_*": .resourceCreate,
        "CHANGE_*": .resourceUpdate,
        "DELETE_*": .resourceDelete,
    ], catalogue: .googleWorkspace)
}
