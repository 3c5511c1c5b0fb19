/// A path into a data record, such as `["city", "names", "en"]` or `["subdivisions", 0, "iso_code"]`.
///
/// Build paths once (e.g. as `static let`) and reuse them: the keys are stored as one flat UTF-8 buffer
/// so that a lookup compares map keys as raw bytes without creating Strings. A negative index counts
/// from the end of an array (-1 is the last element), as in libmaxminddb.
public struct MMDBPath: Sendable, Hashable, ExpressibleByArrayLiteral, CustomStringConvertible {
    public enum Element: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
        case key(String)
        case index(Int)

        public init(stringLiteral value: String) { self = .key(value) }
        public init(integerLiteral value: Int) { self = .index(value) }
    }

    /// One step: a map key (`keyStart`/`keyLength` into `keyBytes`) or an array index.
    struct Step: Sendable, Hashable {
        var keyStart: Int
        var keyLength: Int
        var index: Int
        var isIndex: Bool
    }

    public let elements: [Element]
    let storage: Storage

    /// The compiled steps and key bytes in memory of their own, so the lookup reads them through raw
    /// pointers without closures or array bounds checks.
    final class Storage: @unchecked Sendable {
        let steps: UnsafeMutablePointer<Step>
        let stepCount: Int
        let keys: UnsafeMutableRawPointer

        init(steps: [Step], keyBytes: [UInt8]) {
            stepCount = steps.count
            self.steps = UnsafeMutablePointer<Step>.allocate(capacity: max(steps.count, 1))
            self.steps.initialize(from: steps, count: steps.count)
            keys = UnsafeMutableRawPointer.allocate(byteCount: max(keyBytes.count, 1), alignment: 8)
            keys.copyMemory(from: keyBytes, byteCount: keyBytes.count)
        }

        deinit {
            steps.deinitialize(count: stepCount)
            steps.deallocate()
            keys.deallocate()
        }
    }

    public init(_ elements: [Element]) {
        self.elements = elements
        var steps: [Step] = []
        var keyBytes: [UInt8] = []
        steps.reserveCapacity(elements.count)
        for element in elements {
            switch element {
            case let .key(key):
                let start = keyBytes.count
                keyBytes.append(contentsOf: key.utf8)
                steps.append(Step(keyStart: start, keyLength: keyBytes.count - start, index: 0, isIndex: false))
            case let .index(index):
                steps.append(Step(keyStart: 0, keyLength: 0, index: index, isIndex: true))
            }
        }
        storage = Storage(steps: steps, keyBytes: keyBytes)
    }

    public static func == (left: MMDBPath, right: MMDBPath) -> Bool { left.elements == right.elements }
    public func hash(into hasher: inout Hasher) { hasher.combine(elements) }

    public init(arrayLiteral elements: Element...) {
        self.init(elements)
    }

    /// A path of map keys only, e.g. `MMDBPath(keys: "location", "latitude")`.
    public init(keys: String...) {
        self.init(keys.map(Element.key))
    }

    public var description: String {
        elements.map { element -> String in
            switch element {
            case let .key(key): return key
            case let .index(index): return String(index)
            }
        }.joined(separator: ".")
    }
}

extension DataSection {
    /// The map key at `position` (following a pointer to a shared key) and where its value starts.
    /// - Throws: `mapKeyNotString` when the key is not a UTF-8 string, or a bounds failure.
    @inline(__always)
    func mapKey(at position: Int) throws(DecodeFailure) -> (key: Field, valuePosition: Int) {
        let keyField = try field(at: position)
        let keyString: Field
        let valuePosition: Int
        if keyField.type == DataType.pointer {
            keyString = try self.field(at: keyField.size)
            valuePosition = keyField.payload
        } else {
            keyString = keyField
            valuePosition = keyField.payload + keyField.size
        }
        guard keyString.type == DataType.utf8String else {
            throw DecodeFailure(.mapKeyNotString, at: position, detail: Int(keyString.type))
        }
        try checkPayload(keyString)
        return (keyString, valuePosition)
    }

    /// Follows `path` from the value at `offset` and returns the offset of the value it names (which
    /// may be a pointer), or nil when a key is missing, an index is out of range or a step meets a
    /// non-container.
    ///
    /// Work is bounded without a budget: each step resolves at most one pointer, and scanning a
    /// container's entries skips values without following pointers, so a step is linear in the
    /// section size and a path of n steps is at most n such scans.
    @inline(__always)
    func resolveOffset(_ path: MMDBPath, from offset: Int) throws(DecodeFailure) -> Int? {
        let storage = path.storage
        var position = offset
        var index = 0
        while index < storage.stepCount {
            let step = storage.steps[index]
            index += 1
            let current = try resolvedField(at: position)
            if step.isIndex {
                guard current.type == DataType.array,
                      let next = try element(step.index, of: current)
                else { return nil }
                position = next
            } else {
                guard current.type == DataType.map else { return nil }
                let key = UnsafeRawBufferPointer(start: storage.keys + step.keyStart, count: step.keyLength)
                guard let next = try value(forKey: key, in: current) else { return nil }
                position = next
            }
        }
        return withExtendedLifetime(storage) { position }
    }

    /// The pointer-resolved field that `path` names, or nil (see `resolveOffset`).
    @inline(__always)
    func resolve(_ path: MMDBPath, from offset: Int) throws(DecodeFailure) -> Field? {
        guard let position = try resolveOffset(path, from: offset) else { return nil }
        return try resolvedField(at: position)
    }

    /// The offset of the value stored under `key` in `map`; map keys may themselves be pointers.
    @inline(__always)
    func value(forKey key: UnsafeRawBufferPointer, in map: Field) throws(DecodeFailure) -> Int? {
        var position = map.payload
        var remaining = map.size
        while remaining > 0 {
            remaining -= 1
            let (keyString, valuePosition) = try mapKey(at: position)
            if payloadEquals(keyString, key) {
                return valuePosition
            }
            position = try skip(at: valuePosition)
        }
        return nil
    }

    /// The offset of element `index` of `array` (negative counts from the end).
    @inline(__always)
    func element(_ index: Int, of array: Field) throws(DecodeFailure) -> Int? {
        let wanted = index < 0 ? array.size + index : index
        guard wanted >= 0, wanted < array.size else { return nil }
        var position = array.payload
        var skipped = 0
        while skipped < wanted {
            position = try skip(at: position)
            skipped += 1
        }
        return position
    }
}
