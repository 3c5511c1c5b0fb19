import RelayCore

/// Builds a source's extra columns (the Kandji and ConductorOne schema tables): every column is
/// always present, with its zero value when the event lacks it.
public struct ExtraColumnsBuilder {
    public private(set) var columns: [ExtraColumn] = []

    public init(capacity: Int) { columns.reserveCapacity(capacity) }

    /// A String column: scalars as text, vendor objects as their JSON text, missing as "".
    public mutating func string(_ name: StaticString, _ value: JSONValue?) {
        columns.append(ExtraColumn(name, .string(value?.columnText ?? "")))
    }

    public mutating func string(_ name: StaticString, _ text: String) {
        columns.append(ExtraColumn(name, .string(text)))
    }

    /// An Int32 column: integral numbers or numeric strings in range, else 0.
    public mutating func int32(_ name: StaticString, _ value: JSONValue?) {
        var number: Int64 = 0
        if let value = value?.int64, value >= Int64(Int32.min), value <= Int64(Int32.max) { number = value }
        columns.append(ExtraColumn(name, .int(number)))
    }
}
