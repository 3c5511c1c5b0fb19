import Normalizers
import RelayCore

/// Microsoft 365 unified audit log operations per workload, as published by Microsoft, each with
/// its behavior decision (`-`: no behavior; `?`: undecided).
extension VendorCatalogue {
    /// Entra ID (AzureActiveDirectory workload): the Core Directory and Conditional Access activities of the Entra audit activity reference (the unified audit log writes them with a trailing period, `Add user.`), the Purview page's Azure AD rows, the sign-in operations, and the Authentication Methods / Device Registration security-info activities. Taken from MicrosoftDocs/entra-docs docs/identity/monitoring-health/reference-audit-activities.md and MicrosoftDocs/microsoft-365-docs microsoft-365/compliance/audit-log-activities.md, fetched 2026-12-06.
    static let microsoft365EntraRows = #"""
Add administrative unit.	group.create
Add member to administrative unit.	group.member.add
Add member to restricted management administrative unit.	group.member.add
Delete administrative unit.	group.delete
Hard Delete administrative unit.	group.delete
Remove member from administrative unit.	group.member.remove
Remove member from restricted management administrative unit.	group.member.remove
Restore administrative unit.	group.update
Update administrative unit.	group.update
Add agreement.	policy.create
Delete agreement.	policy.delete
Hard delete agreement.	policy.delete
Update agreement.	policy.update
Add app role assignment to service principal.	permission.add
Add application.	integration.create
Add delegated permission grant.	permission.add
Add owner to application.	integration.update
Add owner to service principal.	integration.update
Add policy to application.	integration.update
Add policy to service principal.	integration.update
Add service principal.	integration.create
Add service principal credentials.	integration.update
Cancel application update with safe rollout.	integration.update
Complete application update after safe rollout.	integration.update
Consent to application.	integration.create
Delete application.	integration.delete
Hard Delete application.	integration.delete
Hard delete service principal.	integration.delete
Remove app role assignment from service principal.	permission.remove
Remove delegated permission grant.	permission.remove
Remove owner from application.	integration.update
Remove owner from service principal.	integration.update
Remove policy from application.	integration.update
Remove policy from service principal.	integration.update
Remove service principal.	integration.delete
Remove service principal credentials.	integration.update
Restore application.	integration.update
Restore service principal.	integration.update
Restore consent.	integration.update
Set verified publisher.	integration.update
Unset verified publisher.	integration.update
Update application.	integration.update
Update application with safe rollout.	integration.update
Update application - Certificates and secrets management.	integration.update
Update external secrets.	integration.update
Update service principal.	integration.update
Add an attribute set.	resource.create
Add custom security attribute definition in an attribute set.	resource.create
Update an attribute set.	resource.update
Update attribute values assigned to a servicePrincipal.	integration.update
Update attribute values assigned to a user.	user.update
Update custom security attribute definition in an attribute set.	resource.update
Update authorization policy.	policy.update
Add CertificationBasedAuthConfiguration.	policy.create
Delete CertificationBasedAuthConfiguration.	policy.delete
Add contact.	resource.create
Delete contact.	resource.delete
Update contact.	resource.update
Add a partner to cross-tenant access setting.	policy.create
Delete partner specific cross-tenant access setting.	policy.delete
Migrated partner cross-tenant access settings to the scalable model.	policy.update
Reset the cross-tenant access default setting.	policy.update
Update a partner cross-tenant access setting.	policy.update
Update the company default cross-tenant access setting.	policy.update
Create a partner cross-tenant identity sync setting.	policy.create
Delete a partner cross-tenant identity sync setting.	policy.delete
Update a partner cross-tenant identity sync setting.	policy.update
Add device.	resource.create
Add registered owner to device.	resource.update
Add registered users to device.	resource.update
Delete device.	resource.delete
Device no longer compliant.	-
Device no longer managed.	-
Remove registered owner from device.	resource.update
Remove registered users from device.	resource.update
Update device.	resource.update
Add device configuration.	policy.create
Delete device configuration.	policy.delete
Update device configuration.	policy.update
Add device from DeviceTemplate.	resource.create
Delete DeviceTemplate.	resource.delete
Update DeviceTemplate.	resource.update
Add partner to company.	permission.add
Add sharedEmailDomainInvitation.	resource.create
Add unverified domain.	resource.create
Add verified domain.	resource.create
Create Company.	resource.create
Create company settings.	policy.create
Delete company allowed data location.	policy.delete
Delete company settings.	policy.delete
Delete subscription.	resource.delete
Demote partner.	resource.update
Directory deleted.	resource.delete
Directory deleted permanently.	resource.delete
Directory scheduled for deletion (Lifecycle).	resource.delete
Directory scheduled for deletion (UserRequest).	resource.delete
Get cross-cloud verification code for domain.	resource.read
Promote company to partner.	resource.update
Promote sub domain to root domain.	resource.update
Remove partner from company.	permission.remove
Remove unverified domain.	resource.delete
Remove verified domain.	resource.delete
Schedule Add sharedEmailDomain.	resource.create
Schedule Remove sharedEmailDomain.	resource.delete
Set Company Information.	resource.update
Set DirSync feature.	policy.update
Set DirSyncEnabled flag.	policy.update
Set Partnership.	resource.update
Set accidental deletion threshold.	policy.update
Set company allowed data location.	policy.update
Set company multinational feature enabled.	policy.update
Set directory feature on tenant.	policy.update
Set domain authentication.	policy.update
Set federation settings on domain.	policy.update
Set password policy.	policy.update
Update company.	resource.update
Update company settings.	policy.update
Update domain.	resource.update
Update sharedEmailDomain.	resource.update
Update sharedEmailDomainInvitation.	resource.update
Verify domain.	resource.update
Verify email verified domain.	resource.update
Create ExternalUserProfile.	user.create
Delete ExternalUserProfile.	user.delete
Hard Delete ExternalUserProfile.	user.delete
Restore ExternalUserProfile.	user.update
Update ExternalUserProfile.	user.update
Add app role assignment to group.	permission.add
Add group.	group.create
Add member to group.	group.member.add
Add owner to group.	group.update
Assign label to group.	group.update
Create group settings.	policy.create
Delete group.	group.delete
Delete group settings.	policy.delete
Finish applying group based license to user.	user.update
Grant contextual consent to application.	integration.create
Hard Delete group.	group.delete
Remove app role assignment from group.	permission.remove
Remove label from group.	group.update
Remove member from group.	group.member.remove
Remove owner from group.	group.update
Restore group.	group.update
Set group license.	group.update
Set group to be managed by user.	group.update
Start applying group based license to users.	user.update
Trigger group license recalculation.	group.update
Update group.	group.update
Update group settings.	policy.update
Add kerberos domain.	policy.create
Delete kerberos domain.	policy.delete
Restore kerberos domain.	policy.update
Update kerberos domain.	policy.update
Add label.	policy.create
Delete label.	policy.delete
Update label.	policy.update
Approval approved.	permission.add
Approval removed.	permission.remove
Request approved.	permission.add
Request canceled.	-
Request created.	-
Request rejected.	-
Create a MultiTenantOrg.	resource.create
Hard Delete MultiTenantOrg.	resource.delete
Update a MultiTenantOrg.	resource.update
Reset a multitenant org identity sync policy template.	policy.update
Update a multitenant org identity sync policy template.	policy.update
Reset a multitenant org partner configuration template.	policy.update
Update a multitenant org partner configuration template.	policy.update
Add MultiTenantOrg tenant.	resource.update
Delete MultiTenantOrg tenant.	resource.update
Hard Delete MultiTenantOrg tenant.	resource.update
Tenant joining MultiTenantOrg tenant.	resource.update
Update MultiTenantOrg tenant.	resource.update
Create PendingExternalUserProfile.	user.create
Delete PendingExternalUserProfile.	user.delete
Hard Delete PendingExternalUserProfile.	user.delete
Update PendingExternalUserProfile.	user.update
Add permission grant policy.	policy.create
Delete permission grant policy.	policy.delete
Update permission grant policy.	policy.update
Add owner to policy.	policy.update
Add policy.	policy.create
Delete policy.	policy.delete
Remove owner from policy.	policy.update
Remove policy credentials.	policy.update
Update policy.	policy.update
Add PrivateEndpoint.	resource.create
Delete PrivateEndpoint.	resource.delete
Add PrivateLinkResource.	resource.create
Delete PrivateLinkResource.	resource.delete
Update PrivateLinkResource.	resource.update
Add EligibleRoleAssignment to RoleDefinition.	permission.add
Add eligible member to role.	permission.add
Add member to role.	permission.add
Add member to role scoped over Restricted Management Administrative Unit.	permission.add
Add role assignment to role definition.	permission.add
Add role definition.	role.create
Add role from template.	role.create
Add scoped member to role.	permission.add
Delete role definition.	role.delete
Remove EligibleRoleAssignment from RoleDefinition.	permission.remove
Remove eligible member from role.	permission.remove
Remove member from role.	permission.remove
Remove member from role scoped over Restricted Management Administrative Unit.	permission.remove
Remove role assignment from role definition.	permission.remove
Remove scoped member from role.	permission.remove
Update role.	role.update
Update role definition.	role.update
Add SOA policy.	policy.create
Add user.	user.create
Add users strong authentication phone app detail.	mfa.enroll
Change user license.	user.update
Change user password.	user.update
Convert federated user to managed.	user.update
Create application password for user.	user.update
Delete application password for user.	user.update
Delete user.	user.delete
Disable Strong Authentication.	mfa.unenroll
Disable account.	user.update
Enable Strong Authentication.	mfa.enroll
Enable account.	user.update
Hard Delete user.	user.delete
Remove app role assignment from user.	permission.remove
Remove users strong authentication phone app detail.	mfa.unenroll
Reset password.	user.update
Restore user.	user.update
Set force change user password.	user.update
Set user manager.	user.update
Set user oath token metadata enabled.	mfa.enroll
Update StsRefreshTokenValidFrom Timestamp.	user.update
Update user.	user.update
Add AuthenticationContextClassReference.	policy.create
Add Conditional Access policy.	policy.create
Add named location.	policy.create
Delete AuthenticationContextClassReference.	policy.delete
Delete Conditional Access policy.	policy.delete
Delete named location.	policy.delete
Update AuthenticationContextClassReference.	policy.update
Update Conditional Access policy.	policy.update
Update continuous access evaluation.	policy.update
Update named location.	policy.update
Update security defaults.	policy.update
Add delegation entry.	permission.add
Remove delegation entry.	permission.remove
Set delegation entry.	permission.add
Set license properties.	user.update
Set company contact information.	resource.update
Add domain to company.	resource.create
Remove domain from company.	resource.delete
Reset user password.	user.update
Add app role assignment grant to user.	permission.add
UserLoggedIn	authentication.login
UserLoginFailed	authentication.login
Admin deleted security info	mfa.unenroll
Admin registered security info	mfa.enroll
Admin started password reset	user.update
Admin updated security info	mfa.enroll
Get passkey creation options	-
User canceled security info registration	-
User changed default security info	mfa.enroll
User deleted security info	mfa.unenroll
User registered all required security info	mfa.enroll
User registered security info	mfa.enroll
User reviewed security info	user.read
User started password change	-
User started password reset	-
User started security info registration	-
User updated security info	mfa.enroll
Add FIDO2 security key	mfa.enroll
Add Windows Hello for Business credential	mfa.enroll
Add passwordless phone sign-in credential	mfa.enroll
Add platform credential	mfa.enroll
Delete FIDO2 security key(s)	mfa.unenroll
Delete Windows Hello for Business credential	mfa.unenroll
Delete passwordless phone sign-in credential	mfa.unenroll
Delete platform credential	mfa.unenroll
"""#
    static let microsoft365Entra = VendorCatalogue(vendor: "microsoft-365/entra", source: "https://learn.microsoft.com/en-us/entra/identity/monitoring-health/reference-audit-activities", rows: microsoft365EntraRows)

    /// Exchange mailbox activities and quarantine activities of the Purview audit log activities page (Exchange admin cmdlets are not enumerated there; the hand rules and the grammar read them), fetched 2026-12-06.
    static let microsoft365ExchangeRows = #"""
MailItemsAccessed	resource.read
Add-MailboxPermission	permission.add
UpdateCalendarDelegation	?
AddFolderPermissions	permission.add
Copy	resource.create
Create	resource.create
New-InboxRule	policy.create
SoftDelete	resource.delete
ApplyRecordLabel	resource.update
Move	resource.update
MoveToDeletedItems	resource.delete
UpdateFolderPermissions	permission.add
Set-InboxRule	policy.update
HardDelete	resource.delete
Remove-MailboxPermission	permission.remove
RemoveFolderPermissions	permission.remove
Send	resource.create
SendAs	resource.create
SendOnBehalf	resource.create
UpdateInboxRules	policy.update
Update	resource.update
MailboxLogin	authentication.login
QuarantineDelete	resource.delete
QuarantineExport	resource.download
QuarantinePreview	resource.read
QuarantineRelease	resource.update
QuarantineViewHeader	resource.read
QuarantineReleaseRequest	-
"""#
    static let microsoft365Exchange = VendorCatalogue(vendor: "microsoft-365/exchange", source: "https://learn.microsoft.com/en-us/purview/audit-log-activities#exchange-mailbox-activities", rows: microsoft365ExchangeRows)

    /// SharePoint/OneDrive: file, folder, list, sharing and access request, site administration, site permissions, synchronization, information barrier and sensitivity label activities of the Purview audit log activities page, fetched 2026-12-06. The page spells three operations with spaces (`Site ContentType Created`, `List Column Deleted`, `List Item Deleted`); the operation names are listed.
    static let microsoft365SharePointRows = #"""
FileAccessed	resource.read
FileAccessedExtended	resource.read
ComplianceSettingChanged	resource.update
LockRecord	resource.update
UnlockRecord	resource.update
FileCheckedIn	resource.update
FileCheckedOut	resource.update
FileCopied	resource.create
FileDeleted	resource.delete
FileDeletedFirstStageRecycleBin	resource.delete
FileDeletedSecondStageRecycleBin	resource.delete
RecordDelete	resource.delete
DocumentSensitivityMismatchDetected	-
FileMalwareDetected	-
FileCheckOutDiscarded	resource.update
FileDownloaded	resource.download
FileModified	resource.update
FileModifiedExtended	resource.update
FileMoved	resource.update
FilePreviewed	resource.read
SearchQueryPerformed	resource.read
FileRecycled	resource.delete
FolderRecycled	resource.delete
FileVersionsAllMinorsRecycled	resource.delete
FileVersionsAllRecycled	resource.delete
FileVersionRecycled	resource.delete
FileRenamed	resource.update
FileRestored	resource.update
FileUploaded	resource.create
PageViewed	resource.read
PageViewedExtended	resource.read
ClientViewSignaled	resource.read
PagePrefetched	-
FolderCopied	resource.create
FolderCreated	resource.create
FolderDeleted	resource.delete
FolderDeletedFirstStageRecycleBin	resource.delete
FolderDeletedSecondStageRecycleBin	resource.delete
FolderModified	resource.update
FolderMoved	resource.update
FolderRenamed	resource.update
FolderRestored	resource.update
SiteIBModeSet	policy.update
SiteIBSegmentsSet	policy.update
SiteIBModeChanged	policy.update
SiteIBSegmentsChanged	policy.update
SPOIBIsDisabled	policy.delete
SPOIBIsEnabled	policy.create
InformationBarriersInsightsReportCompleted	-
InformationBarriersInsightsReportOneDriveSectionQueried	resource.read
InformationBarriersInsightsReportSchedule	resource.create
InformationBarriersInsightsReportSharePointSectionQueried	resource.read
SiteIBSegmentsRemoved	policy.update
SiteSensitivityLabelApplied	resource.update
SiteSensitivityLabelRemoved	resource.update
FileSensitivityLabelApplied	resource.update
SensitivityLabelApplied	resource.update
FileSensitivityLabelChanged	resource.update
SensitivityLabelUpdated	resource.update
SiteSensitivityLabelChanged	resource.update
FileSensitivityLabelRemoved	resource.update
SensitivityLabelRemoved	resource.update
ListCreated	resource.create
ListColumnCreated	resource.create
ListContentTypeCreated	resource.create
ListItemCreated	resource.create
SiteColumnCreated	resource.create
SiteContentTypeCreated	resource.create
ListDeleted	resource.delete
ListColumnDeleted	resource.delete
ListContentTypeDeleted	resource.delete
ListItemDeleted	resource.delete
SiteColumnDeleted	resource.delete
SiteContentTypeDeleted	resource.delete
ListItemRecycled	resource.delete
ListRestored	resource.update
ListItemRestored	resource.update
ListUpdated	resource.update
ListColumnUpdated	resource.update
ListContentTypeUpdated	resource.update
ListItemUpdated	resource.update
SiteColumnUpdated	resource.update
SiteContentTypeUpdated	resource.update
PermissionLevelAdded	role.create
AccessRequestAccepted	permission.add
SharingInvitationAccepted	permission.add
SharingInvitationBlocked	-
AccessRequestCreated	-
CompanyLinkCreated	permission.add
AnonymousLinkCreated	permission.add
SecureLinkCreated	permission.add
SharingInvitationCreated	permission.add
SecureLinkDeleted	permission.remove
AccessRequestDenied	-
CompanyLinkRemoved	permission.remove
AnonymousLinkRemoved	permission.remove
SharingSet	permission.add
AccessRequestUpdated	-
AnonymousLinkUpdated	permission.add
SharingInvitationUpdated	permission.add
AnonymousLinkUsed	resource.read
SharingRevoked	permission.remove
CompanyLinkUsed	resource.read
SecureLinkUsed	resource.read
AddedToSecureLink	permission.add
RemovedFromSecureLink	permission.remove
SharingInvitationRevoked	permission.remove
AllowedDataLocationAdded	policy.create
ExemptUserAgentSet	policy.update
GeoAdminAdded	permission.add
AllowGroupCreationSet	permission.add
SiteGeoMoveCancelled	resource.update
SharingPolicyChanged	policy.update
DeviceAccessPolicyChanged	policy.update
CustomizeExemptUsers	policy.update
NetworkAccessPolicyChanged	policy.update
SiteGeoMoveCompleted	resource.update
SendToConnectionAdded	integration.create
SiteCollectionCreated	resource.create
HubSiteOrphanHubDeleted	resource.delete
SendToConnectionRemoved	integration.delete
SiteDeleted	resource.delete
PreviewModeEnabledSet	policy.update
LegacyWorkflowEnabledSet	policy.update
OfficeOnDemandSet	policy.update
PeopleResultsScopeSet	resource.update
NewsFeedEnabledSet	policy.update
HubSiteJoined	resource.update
SiteCollectionQuotaModified	resource.update
HubSiteRegistered	resource.create
AllowedDataLocationDeleted	policy.delete
GeoAdminDeleted	permission.remove
SiteRenamed	resource.update
SiteGeoMoveScheduled	resource.update
HostSiteSet	resource.update
GeoQuotaAllocated	resource.update
HubSiteUnjoined	resource.update
HubSiteUnregistered	resource.delete
SiteCollectionAdminAdded	permission.add
AddedToGroup	group.member.add
PermissionLevelsInheritanceBroken	permission.add
SharingInheritanceBroken	permission.add
GroupAdded	group.create
GroupRemoved	group.delete
WebRequestAccessModified	policy.update
WebMembersCanShareModified	policy.update
PermissionLevelModified	role.update
SitePermissionsModified	permission.add
PermissionLevelRemoved	role.delete
SiteCollectionAdminRemoved	permission.remove
RemovedFromGroup	group.member.remove
SiteAdminChangeRequest	-
SharingInheritanceReset	permission.remove
GroupUpdated	group.update
ManagedSyncClientAllowed	-
UnmanagedSyncClientBlocked	-
FileSyncDownloadedFull	resource.download
FileSyncDownloadedPartial	resource.download
FileSyncUploadedFull	resource.create
FileSyncUploadedPartial	resource.update
"""#
    static let microsoft365SharePoint = VendorCatalogue(vendor: "microsoft-365/sharepoint", source: "https://learn.microsoft.com/en-us/purview/audit-log-activities#file-and-page-activities", rows: microsoft365SharePointRows)

    /// Microsoft Teams, Shifts and Updates app activities (MicrosoftDocs/microsoft-365-docs microsoft-365/compliance/audit-teams-audit-log-events.md), fetched 2026-12-06.
    static let microsoft365TeamsRows = #"""
BotAddedToTeam	integration.create
ChannelAdded	resource.create
ConnectorAdded	integration.create
MeetingDetail	-
MeetingParticipantDetail	-
MemberAdded	group.member.add
TabAdded	resource.create
SensitivityLabelApplied	resource.update
ChannelSettingChanged	resource.update
TeamsTenantSettingChanged	policy.update
MemberRoleChanged	permission.add
TeamSettingChanged	group.update
SensitivityLabelChanged	resource.update
ChatCreated	resource.create
TeamCreated	group.create
MessageDeleted	resource.delete
DeletedAllOrganizationApps	integration.delete
AppDeletedFromCatalog	integration.delete
ChannelDeleted	resource.delete
TeamDeleted	group.delete
MessageEditedHasLink	resource.update
MessagesExported	resource.download
FailedValidation	-
ChatRetrieved	resource.read
MessageHostedContentsListed	resource.read
AppInstalled	integration.create
PerformedCardAction	-
MessageSent	resource.create
AppPublishedToCatalog	integration.create
MessageRead	resource.read
MessageHostedContentRead	resource.read
BotRemovedFromTeam	integration.delete
ConnectorRemoved	integration.delete
MemberRemoved	group.member.remove
SensitivityLabelRemoved	resource.update
TerminatedSharing	permission.remove
SharingRestored	permission.add
TabRemoved	resource.delete
InviteeResponded	-
ChannelOwnerResponded	-
MessagesListed	resource.read
MessageCreatedHasLink	resource.create
MessageCreatedNotification	-
MessageDeletedNotification	-
MessageUpdatedNotification	-
InviteSent	permission.add
SubscribedToMessages	integration.create
AppUninstalled	integration.delete
AppUpdatedInCatalog	integration.update
ChatUpdated	resource.update
MessageUpdated	resource.update
ConnectorUpdated	integration.update
TabUpdated	resource.update
AppUpgraded	integration.update
TeamsSessionStarted	authentication.login
ScheduleGroupAdded	resource.create
ScheduleGroupEdited	resource.update
ScheduleGroupDeleted	resource.delete
ScheduleWithdrawn	resource.update
ShiftAdded	resource.create
ShiftEdited	resource.update
ShiftDeleted	resource.delete
TimeOffAdded	resource.create
TimeOffEdited	resource.update
TimeOffDeleted	resource.delete
OpenShiftAdded	resource.create
OpenShiftEdited	resource.update
OpenShiftDeleted	resource.delete
ScheduleShared	resource.update
ClockedIn	-
ClockedOut	-
BreakStarted	-
BreakEnded	-
TimeClockEntryAdded	resource.create
TimeClockEntryEdited	resource.update
TimeClockEntryDeleted	resource.delete
RequestAdded	resource.create
RequestRespondedTo	resource.update
RequestCancelled	resource.update
ScheduleSettingChanged	resource.update
WorkforceIntegrationAdded	integration.create
OffShiftDialogAccepted	-
CreateUpdateRequest	resource.create
EditUpdateRequest	resource.update
SubmitUpdate	resource.create
ViewUpdate	resource.read
"""#
    static let microsoft365Teams = VendorCatalogue(vendor: "microsoft-365/teams", source: "https://learn.microsoft.com/en-us/purview/audit-teams-audit-log-events", rows: microsoft365TeamsRows)

    /// The other Audit.General workloads of the Purview audit log activities page: Briefing, communication compliance, content explorer, disposition, Defender Experts, Forms, Planner, Project, To Do, Viva Insights/Goals/Engage, MyAnalytics, usage reports, retention, sensitive information types and SystemSync, fetched 2026-12-06.
    static let microsoft365GeneralRows = #"""
UpdatedOrganizationBriefingSettings	policy.update
UpdatedUserBriefingSettings	policy.update
SupervisionPolicyCreated	policy.create
SupervisionPolicyUpdated	policy.update
SupervisionPolicyDeleted	policy.delete
SupervisionRuleMatch	-
SupervisoryReviewTag	resource.update
LabelContentExplorerAccessedItem	resource.read
ApproveDisposal	resource.update
ExtendRetention	resource.update
RelabelItem	resource.update
AddReviewer	resource.update
DefenderExpertsAnalystPermissionCreated	permission.add
DefenderExpertsAnalystPermissionModified	permission.add
CreateComment	resource.create
CreateForm	resource.create
EditForm	resource.update
MoveForm	resource.update
DeleteForm	resource.delete
ViewForm	resource.read
PreviewForm	resource.read
ExportForm	resource.download
AllowShareFormForCopy	permission.add
DisallowShareFormForCopy	permission.remove
AddFormCoauthor	permission.add
RemoveFormCoauthor	permission.remove
ViewRuntimeForm	resource.read
CreateResponse	resource.create
UpdateResponse	resource.update
DeleteAllResponses	resource.delete
DeleteResponse	resource.delete
ViewResponses	resource.read
ViewResponse	resource.read
GetSummaryLink	permission.add
DeleteSummaryLink	permission.remove
UpdatePhishingStatus	-
UpdateUserPhishingStatus	-
ProInvitation	-
UpdateFormSetting	resource.update
UpdateUserSetting	resource.update
ListForms	resource.read
SubmitResponse	resource.create
AllowAnonymousResponse	permission.add
DisallowAnonymousResponse	permission.remove
EnableSpecificResponse	resource.update
DisableSpecificResponse	resource.update
AddSpecificResponder	permission.add
RemoveSpecificResponder	permission.remove
DisableCollaboration	permission.remove
EnableWorkOrSchoolCollaboration	permission.add
EnableSameOrgCollaboration	permission.add
EnableSpecificCollaboaration	permission.add
ConnectToExcelWorkbook	resource.update
CollectionCreated	resource.create
CollectionUpdated	resource.update
CollectionHardDeleted	resource.delete
CollectionSoftDeleted	resource.delete
CollectionRenamed	resource.update
MovedFormIntoCollection	resource.update
MovedFormOutofCollection	resource.update
PlanRead	resource.read
PlanCreated	resource.create
PlanModified	resource.update
PlanDeleted	resource.delete
PlanCopied	resource.create
TaskRead	resource.read
TaskCreated	resource.create
TaskModified	resource.update
TaskDeleted	resource.delete
TaskAssigned	resource.update
TaskCompleted	resource.update
RosterCreated	group.create
RosterDeleted	group.delete
RosterMemberAdded	group.member.add
RosterMemberDeleted	group.member.remove
PlanListRead	resource.read
TaskListRead	resource.read
TenantSettingsUpdated	policy.update
RosterSensitivityLabelUpdated	group.update
ProjectCreated	resource.create
RoadmapCreated	resource.create
RoadmapItemCreated	resource.create
ProjectDeleted	resource.delete
RoadmapDeleted	resource.delete
RoadmapItemDeleted	resource.delete
ProjectAccessed	resource.read
ProjectListAccessed	resource.read
RoadmapAccessed	resource.read
RoadmapItemAccessed	resource.read
TaskAccessed	resource.read
ProjectForTheWebProjectSettings	resource.update
ProjectForTheWebRoadmaptSettings	resource.update
RoadmapUpdated	resource.update
RoadmapItemUpdated	resource.update
TaskUpdated	resource.update
ProjectUpdated	resource.update
AcceptedSharingLinkOnFolder	permission.add
AttachmentCreated	resource.create
AttachmentUpdated	resource.update
AttachmentDeleted	resource.delete
FolderSharingLinkShared	permission.add
LinkedEntityDeleted	resource.delete
LinkedEntityUpdated	resource.update
LinkedEntityCreated	resource.create
SubTaskCreated	resource.create
SubTaskDeleted	resource.delete
SubTaskUpdated	resource.update
TaskListCreated	resource.create
TaskListUpdated	resource.update
UserInvited	permission.add
AccessedOdataLink	resource.read
CanceledQuery	-
MeetingExclusionCreated	resource.create
DeletedResult	resource.delete
DownloadedReport	resource.download
ExecutedQuery	resource.read
UpdatedDataAccessSetting	policy.update
UpdatedPrivacySetting	policy.update
UploadedOrgData	resource.create
UserLoggedIn	authentication.login
UserLoggedOff	authentication.logout
ViewedExplore	resource.read
UpdatedOrganizationMyAnalyticsSettings	policy.update
UpdatedUserMyAnalyticsSettings	policy.update
UpdateUsageReportsPrivacySetting	policy.update
ApplicableAdaptiveScopeChange	-
NewRetentionComplianceRule	policy.create
NewAdaptiveScope	policy.create
NewComplianceTag	policy.create
NewRetentionCompliancePolicy	policy.create
RemoveAdaptiveScope	policy.delete
RemoveRetentionComplianceRule	policy.delete
RemoveComplianceTag	policy.delete
RemoveRetentionCompliancePolicy	policy.delete
SetRestrictiveRetentionUI	policy.update
SetAdaptiveScope	policy.update
SetRetentionComplianceRule	policy.update
SetComplianceTag	policy.update
SetRetentionCompliancePolicy	policy.update
CreateRulePackage	policy.create
EditRulePackage	policy.update
RemoveRulePackage	policy.delete
DataShareCreated	resource.create
DataShareDeleted	resource.delete
GenerateCopyOfLakeData	resource.create
DownloadCopyOfLakeData	resource.download
Organization created	resource.create
User added	user.create
User deactivated	user.update
User deleted	user.delete
User logged in	authentication.login
Team added	group.create
Team updated	group.update
Team deleted	group.delete
Data exported	resource.download
Goals policy updated	policy.update
Organization settings updated	policy.update
Organization integrations updated	integration.update
OKR or Project created	resource.create
OKR or Project updated	resource.update
OKR or Project deleted	resource.delete
Dashboard created	resource.create
Dashboard updated	resource.update
Dashboard deleted	resource.delete
SoftDeleteSettingsUpdated	policy.update
NetworkConfigurationUpdated	policy.update
ProcessProfileFields	policy.update
SupervisorAdminToggled	policy.update
NetworkSecurityConfigurationUpdated	policy.update
FileCreated	resource.create
GroupCreation	group.create
MessageCreated	resource.create
GroupDeletion	group.delete
MessageDeleted	resource.delete
FileDownloaded	resource.download
DataExport	resource.download
CommunityAccessFailure	-
FileAccessFailure	-
MessageAccessFailure	-
MarkedMessageChanged	resource.update
FileShared	permission.add
NetworkUserSuspended	user.update
UserSuspension	user.update
FileUpdateDescription	resource.update
FileUpdateName	resource.update
MessageUpdated	resource.update
FileVisited	resource.read
MessageViewed	resource.read
"""#
    static let microsoft365General = VendorCatalogue(vendor: "microsoft-365/general", source: "https://learn.microsoft.com/en-us/purview/audit-log-activities", rows: microsoft365GeneralRows)

    /// Every workload's rows together: the catalogue the Microsoft 365 rules carry.
    static let microsoft365 = VendorCatalogue(vendor: "microsoft-365", source: "https://learn.microsoft.com/en-us/purview/audit-log-activities", rows: [
        microsoft365EntraRows, microsoft365ExchangeRows, microsoft365SharePointRows, microsoft365TeamsRows, microsoft365GeneralRows,
    ].joined(separator: "\n"))
}

extension Microsoft365Normalizer {
    static let catalogued: [(catalogue: VendorCatalogue, rules: BehaviorRules)] = [
        (.microsoft365Entra, Microsoft365Catalogue.rules), (.microsoft365Exchange, Microsoft365Catalogue.rules),
        (.microsoft365SharePoint, Microsoft365Catalogue.rules), (.microsoft365Teams, Microsoft365Catalogue.rules),
        (.microsoft365General, Microsoft365Catalogue.rules),
    ]
}
