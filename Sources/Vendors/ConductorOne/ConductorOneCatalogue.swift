import Normalizers
import RelayCore

extension VendorCatalogue {
    /// Every `class_uid:activity_id` of the OCSF classes ConductorOne's system log emits
    /// (Authentication 3002, Account Change 3001, Entity Management 3004, User Access Management
    /// 3005, Group Management 3006, API Activity 6003), with 0 Unknown and 99 Other, from the OCSF
    /// schema (ocsf/ocsf-schema `events/iam/*.json`, `events/application/api_activity.json`), fetched
    /// 2026-12-06. The third column is OCSF's caption.
    static let conductorOne = VendorCatalogue(vendor: "conductor-one", source: "https://schema.ocsf.io/", rows: #"""
3002:0	-	Unknown
3002:1	authentication.login	Logon
3002:2	authentication.logout	Logoff
3002:3	authentication.login	Authentication Ticket
3002:4	authentication.login	Service Ticket Request
3002:5	authentication.login	Service Ticket Renew
3002:6	authentication.login	Preauth
3002:7	authentication.login	Account Switch
3002:99	-	Other
3001:0	-	Unknown
3001:1	user.create	Create
3001:2	user.update	Enable
3001:3	user.update	Password Change
3001:4	user.update	Password Reset
3001:5	user.update	Disable
3001:6	user.delete	Delete
3001:7	permission.add	Attach Policy
3001:8	permission.remove	Detach Policy
3001:9	user.update	Lock
3001:10	mfa.enroll	MFA Factor Enable
3001:11	mfa.unenroll	MFA Factor Disable
3001:12	user.update	Unlock
3001:99	-	Other
3004:0	-	Unknown
3004:1	resource.create	Create
3004:2	resource.read	Read
3004:3	resource.update	Update
3004:4	resource.delete	Delete
3004:5	resource.update	Move
3004:6	resource.create	Enroll
3004:7	resource.delete	Unenroll
3004:8	resource.update	Enable
3004:9	resource.update	Disable
3004:10	resource.update	Activate
3004:11	resource.update	Deactivate
3004:12	resource.update	Suspend
3004:13	resource.update	Resume
3004:99	-	Other
3005:0	-	Unknown
3005:1	permission.add	Assign Privileges
3005:2	permission.remove	Revoke Privileges
3005:3	permission.add	Assign Role
3005:4	permission.remove	Remove Role
3005:99	-	Other
3006:0	-	Unknown
3006:1	permission.add	Assign Privileges
3006:2	permission.remove	Revoke Privileges
3006:3	group.member.add	Add User
3006:4	group.member.remove	Remove User
3006:5	group.delete	Delete
3006:6	group.create	Create
3006:7	group.member.add	Add Subgroup
3006:8	group.member.remove	Remove Subgroup
3006:9	group.update	Update
3006:10	permission.add	Attach Policies
3006:11	permission.remove	Detach Policies
3006:12	permission.add	Assign Roles
3006:13	permission.remove	Remove Roles
3006:99	-	Other
6003:0	-	Unknown
6003:1	resource.create	Create
6003:2	resource.read	Read
6003:3	resource.update	Update
6003:4	resource.delete	Delete
6003:99	-	Other
"""#)
}

/// The vendor's published catalogue(s) of event names, each with the behavior rules that
/// classify its names; every decided name must classify as recorded (CatalogueTests).
extension ConductorOneNormalizer {
    static let catalogued: [(catalogue: VendorCatalogue, rules: BehaviorRules)] = [(.conductorOne, ConductorOneNormalizer.rules)]
}
