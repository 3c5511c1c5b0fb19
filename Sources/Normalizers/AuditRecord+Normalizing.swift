import RelayCore

/// Small helpers every vendor file uses, so each one only says where its fields are.
extension AuditRecord {
    /// Sets the vendor time from the first candidate that holds a time; when none does, the
    /// zero value stays.
    public mutating func setEventTime(_ candidates: JSONValue?...) {
        for candidate in candidates {
            if let time = Timestamp(json: candidate) {
                eventTime = time
                return
            }
        }
    }

    /// Sets `srcIP` from the first value that holds a valid address ("" when none does).
    public mutating func setSourceIP(_ candidates: JSONValue?...) {
        for candidate in candidates {
            let address = IPAddress.normalized(candidate)
            if !address.isEmpty {
                src.ip = address
                return
            }
        }
    }

    /// Adds actor keys from scalar values; empty or missing values are skipped. An `email`-keyed
    /// value that is not an address moves to `username` so that `actor.email` is always an email.
    /// With several candidates, the first with text is used (`user.name`, else `username`).
    public mutating func setActor(_ key: String, _ candidates: JSONValue?...) {
        for candidate in candidates {
            guard let text = candidate?.text, !text.isEmpty else { continue }
            setActor(key, text)
            return
        }
    }

    public mutating func setActor(_ key: String, _ text: String?) {
        guard let text, !text.isEmpty, actor[key] == nil else { return }
        if key == "email" && !text.utf8.contains(UInt8(ascii: "@")) {
            if actor["username"] == nil { actor["username"] = text }
            return
        }
        actor[key] = text
    }

    /// Adds a tag from a scalar value.
    public mutating func setTag(_ key: String, _ value: JSONValue?) {
        guard let text = value?.text, !text.isEmpty else { return }
        tags[key] = text
    }

    /// Adds a resource name once.
    public mutating func addResource(_ value: JSONValue?) {
        guard let text = value?.text, !text.isEmpty, !resources.contains(text) else { return }
        resources.append(text)
    }

    /// Keeps geo data the vendor computed itself, beside (not instead of) the local GeoIP lookup.
    public mutating func addVendorGeo(provider: String, ip: String, _ fields: [(String, JSONValue?)]) {
        var data = KeyValues()
        for (key, value) in fields {
            if let text = value?.text { data[key] = text }
        }
        guard !data.isEmpty else { return }
        enrichments.append(Enrichment(name: "geo", provider: provider, type: "geo", value: ip, data: data))
    }
}

extension AuditRecord {
    /// Sets `eventName` from a scalar ("" when missing, null or a container).
    public mutating func setEventName(_ value: JSONValue?) {
        eventName = value?.text ?? ""
    }

    /// Sets `eventID` from a scalar; "" leaves room for `PageNormalizer`'s content-hash fallback.
    public mutating func setEventID(_ value: JSONValue?) {
        eventID = value?.text ?? ""
    }

    /// Adds a resource name once from a plain string.
    public mutating func addResource(_ text: String?) {
        guard let text, !text.isEmpty, !resources.contains(text) else { return }
        resources.append(text)
    }
}
