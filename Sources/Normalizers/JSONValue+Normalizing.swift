import RelayCore

/// Field access helpers shared by the vendor normalizers.
extension JSONValue {
    /// The text of a scalar, nil when it is missing, null, a container or empty.
    public var nonEmptyText: String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }

    /// Column text for a value of any kind: scalars as text, objects and arrays as their exact JSON
    /// bytes (for String columns that hold vendor objects, e.g. Kandji `new_state`), null as "".
    public var columnText: String {
        switch kind {
        case .null: return ""
        case .object, .array: return String(decoding: rawBytes, as: UTF8.self)
        default: return text ?? ""
        }
    }

    /// The first element of an array, or the value itself when it is not an array (vendors that
    /// document `events[]` sometimes send a single `event`).
    public var firstOrSelf: JSONValue? {
        kind == .array ? self[0] : self
    }

    /// Two- and three-key paths without the array a variadic `value["a", "b"]` call allocates:
    /// these lookups run several times per event.
    @inline(__always)
    public subscript(_ first: String, _ second: String) -> JSONValue? {
        self[first]?[second]
    }

    @inline(__always)
    public subscript(_ first: String, _ second: String, _ third: String) -> JSONValue? {
        self[first]?[second]?[third]
    }
}

extension StringProtocol {
    /// Substring test from the standard library (`firstRange(of:)`), so it never resolves to
    /// Foundation's slower `contains(_:)` when Foundation happens to be loaded.
    public func includes(_ text: String) -> Bool { firstRange(of: text) != nil }
}
