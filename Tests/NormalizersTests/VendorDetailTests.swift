@testable import Normalizers
@testable import Vendors
import RelayCore
import Testing

/// Per-source extra columns, vendor geo enrichments and the OCSF/Endor shapes that have no EMM sample.
@Suite struct VendorDetailTests {
    @Test func kandjiCarriesEveryExtraColumn() throws {
        let json = #"{"id":"8f7e","action":"delete","occurred_at":"2024-11-26T22:58:26.239570Z","actor_id":"u-1","actor_type":"user","target_id":"li-9","target_type":"library_item","target_component":"Custom Script","new_state":{"name":"x","active":false},"metadata":null}"#
        let record = try TestSupport.normalize(json, "kandji", "audit_events")
        #expect(record.eventID == "8f7e")
        #expect(record.eventTime.description == "2024-11-26T22:58:26.239570Z")
        #expect(record.eventName == "delete")
        #expect(record.behavior == .policyDelete)
        #expect(record.actor["id"] == "u-1" && record.actor["type"] == "user")
        #expect(record.extras == [
            ExtraColumn("kandjiEventId", .string("8f7e")), ExtraColumn("action", .string("delete")),
            ExtraColumn("actorId", .string("u-1")), ExtraColumn("actorType", .string("user")),
            ExtraColumn("occurredAt", .string("2024-11-26T22:58:26.239570Z")),
            ExtraColumn("targetType", .string("library_item")), ExtraColumn("targetId", .string("li-9")),
            ExtraColumn("targetComponent", .string("Custom Script")),
            ExtraColumn("newState", .string(#"{"name":"x","active":false}"#)), ExtraColumn("metadata", .string("")),
        ])
        let encoded = String(decoding: RecordEncoder.encode(record), as: UTF8.self)
        #expect(encoded.hasSuffix(#","newState":"{\"name\":\"x\",\"active\":false}","metadata":""}"#))
    }

    @Test func kandjiExtraColumnsHaveZeroValuesWhenMissing() throws {
        let record = try TestSupport.normalize("{}", "kandji", "audit_events")
        #expect(record.extras.count == 10)
        #expect(record.extras.allSatisfy { $0.value == .string("") })
    }

    static let ocsfEvent = #"""
    {"activity_id":3,"activity_name":"Update","category_uid":6,"class_uid":6003,"class_name":"API Activity",
     "type_uid":600303,"severity_id":1,"status":"Success","status_id":1,"message":"updated app",
     "time":1717764280813,"cloud":{"account":{"name":"acme"},"provider":"ConductorOne"},
     "api":{"operation":"c1.api.app.v1.Apps/Update","request":{"uid":"req-1"},"response":{"code":200,"message":"OK"}},
     "http_request":{"http_method":"POST","url":{"path":"/api/v1/apps/123"},"user_agent":"c1-cli/1.0"},
     "metadata":{"uid":"evt-77","version":"1.1.0"},"src_endpoint":{"ip":"203.0.113.8:5512"},
     "actor":{"user":{"type":"User","uid":"2Nx","email_addr":"ann@acme.io","name":"Ann"}}}
    """#

    @Test func conductorOneMapsOCSF() throws {
        let record = try TestSupport.normalize(Self.ocsfEvent, "conductor-one", "system_log")
        #expect(record.eventID == "evt-77")
        #expect(record.eventTime.description == "2024-06-07T12:44:40.813Z")
        #expect(record.eventName == "c1.api.app.v1.Apps/Update")
        #expect(record.src.ip == "203.0.113.8")
        #expect(record.actor["email"] == "ann@acme.io" && record.actor["id"] == "2Nx" && record.actor["type"] == "User")
        #expect(record.behavior == .resourceUpdate)
        let byName = Dictionary(uniqueKeysWithValues: record.extras.map { ($0.name.description, $0.value) })
        #expect(record.extras.count == 24)
        #expect(byName["activityID"] == .int(3))
        #expect(byName["classUID"] == .int(6003))
        #expect(byName["categoryUID"] == .int(6))
        #expect(byName["typeUID"] == .int(600303))
        #expect(byName["severityID"] == .int(1))
        #expect(byName["statusID"] == .int(1))
        #expect(byName["status"] == .string("Success"))
        #expect(byName["message"] == .string("updated app"))
        #expect(byName["cloudAccountName"] == .string("acme"))
        #expect(byName["cloudProvider"] == .string("ConductorOne"))
        #expect(byName["apiOperation"] == .string("c1.api.app.v1.Apps/Update"))
        #expect(byName["apiRequest"] == .string(#"{"uid":"req-1"}"#))
        #expect(byName["apiResponseCode"] == .int(200))
        #expect(byName["apiResponse"] == .string(#"{"code":200,"message":"OK"}"#))
        #expect(byName["httpMethod"] == .string("POST"))
        #expect(byName["httpPath"] == .string("/api/v1/apps/123"))
        #expect(byName["userAgent"] == .string("c1-cli/1.0"))
        #expect(byName["metadataUID"] == .string("evt-77"))
        #expect(byName["metadataVersion"] == .string("1.1.0"))
        #expect(byName["actorUserType"] == .string("User"))
        #expect(byName["actorUserUID"] == .string("2Nx"))
        #expect(byName["actorUserEmail"] == .string("ann@acme.io"))
    }

    @Test func conductorOneIntColumnsRejectWrongTypes() throws {
        let record = try TestSupport.normalize(#"{"activity_id":"x","class_uid":99999999999,"severity_id":2.5,"status_id":"2"}"#, "conductor-one", "system_log")
        let byName = Dictionary(uniqueKeysWithValues: record.extras.map { ($0.name.description, $0.value) })
        #expect(byName["activityID"] == .int(0))
        #expect(byName["classUID"] == .int(0))
        #expect(byName["severityID"] == .int(0))
        #expect(byName["statusID"] == .int(2))
    }

    @Test func endorLabsSampleRecord() throws {
        let json = #"""
        {"uuid":"a1b2c3d4-e5f6-7890-abcd-ef1234567890","tenant_meta":{"namespace":"your-org"},
         "meta":{"create_time":"2024-11-13T15:30:45.123456Z","name":"user_login_event","kind":"AuditLog","created_by":"system"},
         "spec":{"message_uuid":"f1e2d3c4-b5a6-9870-fedc-ba0987654321","message_kind":"AuthenticationLog","operation":"USER_LOGIN",
          "payload":{"user_id":"user@example.com","success":true},
          "claims":[{"subject":"user@example.com","issuer":"endorlabs.com","audience":"api.endorlabs.com"}],
          "remote_address":"203.0.113.42"}}
        """#
        let record = try TestSupport.normalize(json, "endor-labs", "audit_logs")
        #expect(record.eventID == "a1b2c3d4-e5f6-7890-abcd-ef1234567890")
        #expect(record.eventTime.description == "2024-11-13T15:30:45.123456Z")
        #expect(record.eventName == "USER_LOGIN")
        #expect(record.src.ip == "203.0.113.42")
        #expect(record.actor["email"] == "user@example.com")
        #expect(record.actor["username"] == "system")
        #expect(record.behavior == .authenticationLogin)
        #expect(record.tags["namespace"] == "your-org")
    }

    @Test func endorLabsClaimStrings() throws {
        let json = #"{"uuid":"u","spec":{"operation":"OPERATION_UPDATE","message_kind":"Project","claims":["email=dev@acme.io","user=dev@x509"]}}"#
        let record = try TestSupport.normalize(json, "endor-labs", "audit_logs")
        #expect(record.actor["email"] == "dev@acme.io")
        #expect(record.actor["username"] == "dev@x509")
        #expect(record.behavior == .resourceUpdate)
    }

    @Test func vendorGeoIsKeptAsAnEnrichment() throws {
        let okta = try TestSupport.normalize(#"{"client":{"ipAddress":"198.51.100.1","geographicalContext":{"city":"San Francisco","country":"United States","geolocation":{"lat":37.8199,"lon":122.4783}}},"securityContext":{"asNumber":14618}}"#, "okta", "system_log")
        #expect(okta.enrichments.first?.provider == "okta")
        #expect(okta.enrichments.first?.value == "198.51.100.1")
        #expect(okta.enrichments.first?.data["latitude"] == "37.8199")
        #expect(okta.enrichments.first?.data["asNumber"] == "14618")

        let salesforce = try TestSupport.normalize(#"{"channel":"/event/LoginEventStream","data":{"payload":{"SourceIp":"198.51.100.1","City":"San Francisco","Country":"United States","CountryIso":"US","Latitude":38.1111}}}"#, "salesforce", "realtime")
        #expect(salesforce.enrichments == [Enrichment(name: "geo", provider: "salesforce", type: "geo", value: "198.51.100.1",
                                                      data: ["city": "San Francisco", "country": "United States", "countryCode": "US", "latitude": "38.1111"])])

        let duo = try TestSupport.normalize(#"{"ip":"192.168.10.1","location":{"city":"San Francisco","country":"US","state":"California"}}"#, "duo", "authentication")
        #expect(duo.enrichments == [Enrichment(name: "geo", provider: "duo", type: "geo", value: "192.168.10.1",
                                               data: ["city": "San Francisco", "state": "California", "country": "US"])])

        let github = try TestSupport.normalize(#"{"actor_ip":"198.51.100.1","actor_location":{"country_code":"US"}}"#, "github", "audit_log")
        #expect(github.enrichments == [Enrichment(name: "geo", provider: "github", type: "geo", value: "198.51.100.1", data: ["countryCode": "US"])])
        // The local GeoIP stage fills the src* columns; normalizers leave them alone.
        #expect(github.src.city.isEmpty && github.src.asNumber == 0)
    }

    @Test func githubWebhookUsesTheDeliveryID() throws {
        let json = #"{"X-GitHub-Event":"organization","X-GitHub-Delivery":"72d3162e-cc78-11e3-81ab-4c9367dc0958","action":"member_added","sender":{"login":"octo","id":1}}"#
        let record = try TestSupport.normalize(json, "github", "webhook")
        #expect(record.eventID == "72d3162e-cc78-11e3-81ab-4c9367dc0958")
        #expect(record.eventTime == TestSupport.receivedAt)
        #expect(record.eventName == "organization.member_added")
        #expect(record.behavior == .groupMemberAdd)
    }

    @Test func snowflakeStatementKeyDropsModifiers() {
        #expect(SnowflakeNormalizer.statementKey("create or replace  network\tpolicy corp allowed=('x')") == "CREATE NETWORK POLICY CORP")
        #expect(SnowflakeNormalizer.statementKey("CREATE USER IF NOT EXISTS bruce") == "CREATE USER BRUCE")
        #expect(SnowflakeNormalizer.statementKey("DROP ROLE\tGEN1;") == "DROP ROLE GEN1")
        #expect(SnowflakeNormalizer.statementKey("") == "")
    }

    @Test func salesforceChannelNames() {
        #expect(SalesforceNormalizer.eventObjectName("/event/LoginEventStream") == "LoginEvent")
        #expect(SalesforceNormalizer.eventObjectName("/event/BulkApiResultEvent") == "BulkApiResultEvent")
        #expect(SalesforceNormalizer.eventObjectName("") == "")
    }

    @Test func registryHasEveryVendorAndStream() {
        let registry = VendorCatalog.normalizers
        #expect(registry.sourceTypes == [
            "appomni", "box", "conductor-one", "duo", "endor-labs", "github", "google-workspace", "kandji",
            "microsoft-365", "okta", "onelogin", "pingone", "salesforce", "servicenow", "slack", "snowflake",
            "veeva-vault", "workday",
        ])
        #expect(registry.normalizer(for: "duo")?.streams == ["administrator", "authentication", "telephony", "activity"])
        #expect(registry.normalizer(for: "github")?.streams == ["audit_log", "audit_log_git", "webhook"])
        #expect(registry.normalizer(for: "microsoft-365")?.streams == ["Audit.AzureActiveDirectory", "Audit.Exchange", "Audit.SharePoint", "Audit.General", "DLP.All"])
        #expect(registry.normalizer(for: "salesforce")?.streams.prefix(3) == ["eventlogfile", "realtime", "setupaudittrail"])
        #expect(registry.normalizer(for: "salesforce")?.streams.contains("loginevent") == true)
        #expect(registry.normalizer(for: "servicenow")?.streams == ["sys_audit", "isc_export_event", "sys_user_has_role", "sysevent"])
        #expect(registry.normalizer(for: "conductor-one")?.streams == ["system_log"])
        #expect(registry.normalizer(for: "kandji")?.streams == ["audit_events"])
        #expect(registry.normalizer(for: "endor-labs")?.streams == ["audit_logs"])
    }

    @Test func unknownSourceTypeStillMakesARecord() throws {
        let record = try TestSupport.normalize(#"{"a":1}"#, "no-such-vendor", "x")
        #expect(record.eventID.count == 32)
        #expect(record.behavior == .none)
        #expect(Array(record.rawLog) == Array(#"{"a":1}"#.utf8))
    }
}
