import Normalizers
import RelayCore

extension VendorCatalogue {
    /// OneLogin event type names (`GET /api/1/events/types`, the names of `event_type_id`) for the
    /// identity and administration event types, https://developers.onelogin.com/api-docs/1/events/event-types
    /// — the names the normalizer resolves event type ids to; fetched 2026-12-06.
    static let onelogin = VendorCatalogue(vendor: "onelogin", source: "https://developers.onelogin.com/api-docs/1/events/event-types", rows: #"""
APP_ADDED_TO_ROLE	role.update
APP_REMOVED_FROM_ROLE	role.update
USER_ASSUMED_USER	authentication.login
USER_ASSIGNED_ROLE	permission.add
USER_LOGGED_INTO_ONELOGIN	authentication.login
USER_FAILED_ONELOGIN_LOGIN	authentication.login
USER_LOGGED_OUT_OF_ONELOGIN	authentication.logout
USER_LOGGED_INTO_APP	authentication.login
USER_FAILED_APP_LOGIN	authentication.login
USER_REQUESTED_NEW_PASSWORD	user.update
USER_CHANGED_PASSWORD	user.update
UNLOCKED_USER	user.update
CREATED_USER	user.create
UPDATED_USER	user.update
DEACTIVATED_USER	user.update
ACTIVATED_USER	user.update
DELETED_USER	user.delete
ADMIN_APPROVED_PASSWORD_REQUEST	user.update
USER_LOCKED	user.update
SUSPENDED_USER	user.update
USER_ADDED_OTP_DEVICE	mfa.enroll
USER_BULK_OPERATION	user.update
USER_REMOVED_OTP_DEVICE	mfa.unenroll
PROVISIONING_EXCEPTION	-
PROVISIONING_EVENT	-
USER_DOWNLOADED_CERT	resource.download
USER_RECENTLY_REMOVED	user.delete
USER_LOGGED_OUT_OF_APP	authentication.logout
REACTIVATED_USER	user.update
USERS_IMPORTED_FROM_DIRECTORY	user.create
USER_REQUESTED_APP	-
USER_LOCKED_OUT_OF_APP	user.update
USER_LOST_OTP_DEVICE	mfa.unenroll
USER_UNLOCKED_OTP_DEVICE	mfa.enroll
IMPORTED_USER	user.create
UPDATE_USER_FAILED	user.update
USER_CREATED_IN_APP	user.create
USER_UPDATED_IN_APP	user.update
USER_SUSPENDED_IN_APP	user.update
USER_REACTIVATED_IN_APP	user.update
USER_DELETED_IN_APP	user.delete
USER_AUTHENTICATED_BY_RADIUS	authentication.login
USER_REJECTED_BY_RADIUS	authentication.login
PRIVILEGE_GRANTED_TO_ACCOUNT	permission.add
PRIVILEGE_REVOKED_FROM_ACCOUNT	permission.remove
PRIVILEGE_GRANTED_TO_USER	permission.add
PRIVILEGE_REVOKED_FROM_USER	permission.remove
TRUSTED_IDP_ADDED	policy.create
TRUSTED_IDP_REMOVED	policy.delete
TRUSTED_IDP_MODIFIED	policy.update
USER_FAILED_PROXY_LOGIN	authentication.login
USER_SUCCEEDED_PROXY_LOGIN	authentication.login
USER_VIEWED_NOTE	resource.read
USER_EDITED_NOTE	resource.update
USER_DELETED_NOTE	resource.delete
USER_INVITED	user.create
USER_AUTHENTICATED_BY_API	authentication.login
USER_REJECTED_BY_API	authentication.login
SOCIAL_SIGN_IN	authentication.login
SOCIAL_SIGN_IN_FAILURE	authentication.login
USER_MANUALLY_ADDED_TO_ROLE	permission.add
USER_MANUALLY_REMOVED_FROM_ROLE	permission.remove
USER_AUTO_ADDED_TO_ROLE	permission.add
USER_AUTO_REMOVED_FROM_ROLE	permission.remove
USER_ROLE_MANAGEMENT_GRANTED	permission.add
USER_ROLE_MANAGEMENT_REVOKED	permission.remove
MAC_LOGIN_SUCCESS	authentication.login
MAC_LOGIN_FAILURE	authentication.login
POLICY_CREATED	policy.create
POLICY_UPDATED	policy.update
POLICY_DELETED	policy.delete
AUTHENTICATION_FACTOR_CREATED	policy.create
AUTHENTICATION_FACTOR_UPDATED	policy.update
AUTHENTICATION_FACTOR_DELETED	policy.delete
CERTIFICATE_CREATED	resource.create
CERTIFICATE_DELETED	resource.delete
API_CREDENTIAL_CREATED	resource.create
API_CREDENTIAL_DELETED	resource.delete
API_CREDENTIAL_ENABLED	resource.update
API_CREDENTIAL_DISABLED	resource.update
USER_FIELD_ADDED	resource.create
USER_FIELD_DELETED	resource.delete
ACCOUNT_SETTINGS_UPDATED	policy.update
DIRECTORY_CREATED	integration.create
DIRECTORY_DESTROYED	integration.delete
ADMIN_CHANGED_USER_PASSWORD	user.update
ADMIN_CHANGED_ACCOUNT_SETTINGS	policy.update
USER_REVEALED_PASSWORD	resource.read
REPORT_GENERATED	resource.create
API_ADD_ROLES	permission.add
API_REMOVE_ROLES	permission.remove
API_LOGOUT	authentication.logout
API_VERIFY_FACTOR	authentication.mfa
API_UPDATE_USER	user.update
API_DESTROY_USER	user.delete
API_CREATE_USER	user.create
API_ADDED_OTP_DEVICE	mfa.enroll
FORCE_LOGOUT_USER	authentication.logout
APP_CREATED_BY_USER	integration.create
APP_UPDATED_BY_USER	integration.update
APP_DELETED_BY_USER	integration.delete
CONNECTOR_CREATED	integration.create
CONNECTOR_UPDATED	integration.update
CONNECTOR_DELETED	integration.delete
OL_OTP_PUSH_REJECT	authentication.mfa
USER_LOGIN_CHALLENGE	authentication.mfa
USER_LOGIN_CHALLENGE_FAILED	authentication.mfa
USER_REAUTH_SUCCESS	authentication.login
TEMP_OTP_TOKEN_GENERATED	mfa.enroll
TEMP_OTP_TOKEN_REVOKED	mfa.unenroll
API_APP_CREATED	integration.create
API_APP_UPDATED	integration.update
API_APP_DESTROYED	integration.delete
USER_VERIFIED_OTP_DEVICE	authentication.mfa
API_AUTH_APP_UPDATED	integration.update
API_AUTH_APP_DESTROYED	integration.delete
API_AUTH_APP_CREATED	integration.create
ROLE_CREATED	role.create
ROLE_DELETED	role.delete
DELEGATED_PRIVILEGE_CREATED_BY_USER	role.create
DELEGATED_PRIVILEGE_UPDATED_BY_USER	role.update
DELEGATED_PRIVILEGE_DELETED_BY_USER	role.delete
DELEGATED_PRIVILEGE_ASSIGNED_TO_USER_BY_USER	permission.add
DELEGATED_PRIVILEGE_REMOVED_FROM_USER_BY_USER	permission.remove
REPORT_CREATED_BY_USER	resource.create
REPORT_DESTROYED_BY_USER	resource.delete
GROUP_CREATED	group.create
GROUP_UPDATED	group.update
GROUP_DESTROYED	group.delete
ROLE_UPDATE_SUCCESS	role.update
"""#)
}

/// The vendor's published catalogue(s) of event names, each with the behavior rules that
/// classify its names; every decided name must classify as recorded (CatalogueTests).
extension OneLoginNormalizer {
    static let catalogued: [(catalogue: VendorCatalogue, rules: BehaviorRules)] = [(.onelogin, OneLoginCatalogue.rules)]
}
