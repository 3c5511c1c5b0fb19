import Normalizers
import RelayCore

/// Salesforce: EventLogFile CSV rows (as JSON objects), Real-Time Event Monitoring streaming events
/// (`{channel, data.payload}`), and SetupAuditTrail rows. Catalogues:
/// https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_eventlogfile_supportedeventtypes.htm
/// https://developer.salesforce.com/docs/atlas.en-us.platform_events.meta/platform_events/platform_events_objects_monitoring.htm
/// https://help.salesforce.com/s/articleView?id=sf.admin_monitorsetup.htm (setup audit trail actions)
///
/// Field map, eventlogfile: eventID `auditrelay.row` (`<file id>:<row>`, added by the poller) else
/// content hash, eventTime `TIMESTAMP_DERIVED` (else compact
/// `TIMESTAMP`), eventName `EVENT_TYPE`, srcIP `SOURCE_IP` else `CLIENT_IP` (often the text
/// "Salesforce.com IP"), actor `USER_NAME`, `USER_ID_DERIVED`. realtime: eventID
/// `payload.EventIdentifier`, eventTime `payload.EventDate`, eventName the event object named by
/// the channel (`/event/LoginEventStream` -> `LoginEvent`), srcIP `payload.SourceIp`, actor
/// `payload.Username`, `UserId`; Salesforce's City/Country/Latitude… are kept as an enrichment
/// from provider `salesforce`. setupaudittrail: eventID `Id` (else hash), eventTime
/// `sfdc_created_date`/`CreatedDate`, eventName `action`, actor `sfdc_created_by_username`.
public struct SalesforceNormalizer: Normalizer {
    public let sourceType = "salesforce"
    /// `realtime` for streamed events; the polled storage objects come as their stream names
    /// (`loginevent`, …), in the flat shape SOQL returns.
    public let streams = ["eventlogfile", "realtime", "setupaudittrail"] + SalesforceSource.eventObjects.keys.sorted()

    public init() {}

    public func normalize(_ event: JSONValue, stream: String, into record: inout AuditRecord) {
        record.serviceName = "salesforce"
        switch stream {
        case "setupaudittrail": setupAuditTrail(event, into: &record)
        case "realtime": realtime(event, into: &record)
        case _ where SalesforceSource.eventObjects[stream] != nil: realtime(event, into: &record)
        default: eventLogFile(event, into: &record)
        }
    }

    private func eventLogFile(_ event: JSONValue, into record: inout AuditRecord) {
        // `<file id>:<row>`, added by the poller (REQUEST_ID repeats across rows); else the content hash.
        record.setEventID(event["auditrelay.row"])
        record.setEventTime(event["TIMESTAMP_DERIVED"], event["TIMESTAMP"])
        record.setEventName(event["EVENT_TYPE"])
        record.setSourceIP(event["SOURCE_IP"], event["CLIENT_IP"])
        record.setActor("email", event["USER_NAME"])
        record.setActor("id", event["USER_ID_DERIVED"], event["USER_ID"])
        record.setActor("type", event["USER_TYPE"])
        record.addResource(event["ENTITY_NAME"])
        record.addResource(event["URI"])
        record.setTag("requestID", event["REQUEST_ID"])
        record.setTag("loginStatus", event["LOGIN_STATUS"])
        record.setTag("userAgent", event["USER_AGENT"] ?? event["BROWSER_TYPE"])
        if SalesforceCatalogue.apiEventTypes.contains(record.eventName) {
            // API-style files log one row per call; what the call did is in its method name,
            // the Aura action (`…ACTION$updateRecord=574`) or the HTTP method of a callout.
            let operation = event["METHOD_NAME"]?.nonEmptyText ?? auraAction(event["ACTION_MESSAGE"]?.string)
                ?? event["METHOD"]?.nonEmptyText ?? ""
            let behavior = SalesforceCatalogue.operation(operation, rows: event["ROWS_PROCESSED"]?.double)
            if behavior != .none {
                record.setBehavior(behavior, rule: "operation \(operation)")
                return
            }
        }
        record.classify(record.eventName, with: SalesforceCatalogue.eventTypes)
    }

    /// The action name in an Aura `ACTION_MESSAGE` such as `1$aura://RecordUiController/ACTION$getObjectInfo=4`.
    private func auraAction(_ message: String?) -> String? {
        guard let message, let marker = message.firstRange(of: "ACTION$") else { return nil }
        let rest = message[marker.upperBound...]
        let name = rest.prefix { $0 != "=" && $0 != "," && $0 != ";" }
        return name.isEmpty ? nil : String(name)
    }

    private func realtime(_ event: JSONValue, into record: inout AuditRecord) {
        // Streamed events wrap the record (`data.payload`); SOQL returns it flat, typed by `attributes`.
        let payload = event["data", "payload"] ?? event["payload"] ?? (event["attributes", "type"] != nil ? event : nil)
        record.setEventID(payload?["EventIdentifier"])
        record.setEventTime(payload?["EventDate"])
        record.eventName = Self.eventObjectName(event["channel"]?.string ?? payload?["attributes", "type"]?.string ?? "")
        guard let payload else { return }
        record.setSourceIP(payload["SourceIp"])
        record.setActor("email", payload["Username"])
        record.setActor("id", payload["UserId"])
        record.setActor("type", payload["UserType"])
        record.addResource(payload["QueriedEntities"])
        record.addResource(payload["Name"])
        record.setTag("status", payload["Status"] ?? payload["OperationStatus"])
        record.setTag("loginType", payload["LoginType"])
        record.setTag("userAgent", payload["UserAgent"])
        if payload["City"] != nil || payload["Country"] != nil || payload["Latitude"] != nil {
            record.addVendorGeo(provider: "salesforce", ip: record.src.ip, [
                ("city", payload["City"]), ("country", payload["Country"]), ("countryCode", payload["CountryIso"]),
                ("subdivision", payload["Subdivision"]), ("postalCode", payload["PostalCode"]),
                ("latitude", payload["Latitude"]), ("longitude", payload["Longitude"]),
            ])
        }
        if SalesforceCatalogue.operationEventObjects.contains(record.eventName) {
            let operation = payload["Operation"]?.string ?? ""
            let behavior = SalesforceCatalogue.operation(operation, rows: payload["RowsProcessed"]?.double)
            if behavior != .none {
                record.setBehavior(behavior, rule: "operation \(operation)")
                return
            }
        }
        record.classify(record.eventName, with: SalesforceCatalogue.eventObjects)
        // FileEvent says whether the file was downloaded, previewed or uploaded.
        if record.eventName.hasPrefix("FileEvent"), let action = payload["FileAction"]?.nonEmptyText {
            switch action.uppercased() {
            case "PREVIEW": record.setBehavior(.resourceRead, rule: "FileAction \(action)")
            case "UPLOAD": record.setBehavior(.resourceCreate, rule: "FileAction \(action)")
            default: break
            }
        }
    }

    /// `/event/LoginEventStream` -> `LoginEvent`; `/event/BulkApiResultEvent` stays as it is.
    static func eventObjectName(_ channel: String) -> String {
        var name = Substring(channel)
        if let slash = name.lastIndex(of: "/") { name = name[name.index(after: slash)...] }
        if name.hasSuffix("EventStream") { name = name.dropLast("Stream".count) }
        return String(name)
    }

    private func setupAuditTrail(_ event: JSONValue, into record: inout AuditRecord) {
        record.setEventID(event["Id"] ?? event["id"])
        record.setEventTime(event["sfdc_created_date"], event["CreatedDate"])
        record.setEventName(event["action"] ?? event["Action"])
        record.setActor("email", event["sfdc_created_by_username"], event["CreatedBy", "Username"])
        record.setActor("id", event["sfdc_created_by_id"], event["CreatedById"])
        record.setActor("name", event["sfdc_created_by_name"])
        record.setActor("delegate", event["delegate_user"], event["DelegateUser"])
        record.setTag("section", event["section"] ?? event["Section"])
        record.setTag("display", event["display"] ?? event["Display"])
        record.classify(record.eventName, with: SalesforceCatalogue.setupActions)
        let display = (event["display"] ?? event["Display"])?.string ?? ""
        if record.behavior == .none, record.behaviorBasis == .none, !display.isEmpty {
            // An action nobody has catalogued: its Display sentence ("Deleted Public Group X",
            // "Changed permission set P: … from enabled to disabled") still names object and verb.
            let sentence = display.prefix { $0 != ":" && $0 != "(" }
            let behavior = SalesforceCatalogue.direction(BehaviorGrammar.classify(String(sentence)), display: display)
            if behavior != .none { record.setBehavior(behavior, rule: "display \(sentence)") }
        } else if record.behavior == .permissionAdd || record.behavior == .mfaEnroll {
            // A permission change whose direction is only in Display ("… from enabled to disabled",
            // "… to No Access", "role … to <None Specified>").
            let behavior = SalesforceCatalogue.direction(record.behavior, display: display)
            if behavior != record.behavior { record.setBehavior(behavior, rule: "display direction") }
        }
    }
}
