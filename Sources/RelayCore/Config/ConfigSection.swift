/// A config tree as parsed from YAML: maps keep their order, scalars stay text until a component
/// asks for a type. Decoupled from the YAML library so components and tests need none.
public indirect enum ConfigValue: Sendable, Equatable {
    case scalar(String)
    case list([ConfigValue])
    case map([(key: String, value: ConfigValue)])
    case null

    public static func == (lhs: ConfigValue, rhs: ConfigValue) -> Bool {
        switch (lhs, rhs) {
        case (.scalar(let a), .scalar(let b)): return a == b
        case (.list(let a), .list(let b)): return a == b
        case (.map(let a), .map(let b)): return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.null, .null): return true
        default: return false
        }
    }

    var kindName: String {
        switch self {
        case .scalar: return "a scalar"
        case .list: return "a list"
        case .map: return "a map"
        case .null: return "null"
        }
    }
}

/// One problem in a config, with the key path it concerns (`sources[2].interval`).
public struct ConfigProblem: Sendable, CustomStringConvertible, Equatable {
    public let path: String
    public let message: String
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Collects every problem found while reading a config, so `check` can report them all at once.
public final class ConfigDiagnostics: @unchecked Sendable {
    // Only touched by the single thread that reads the config.
    public private(set) var problems: [ConfigProblem] = []
    public init() {}
    public func report(_ path: String, _ message: String) { problems.append(ConfigProblem(path: path, message: message)) }
}

/// Reads one map of a config strictly: typed getters record a problem (and return a default)
/// instead of throwing, and `finish()` reports every key nobody asked for, so a misspelled key is
/// an error rather than a silently applied default.
public final class ConfigSection: @unchecked Sendable {
    public let path: String
    let entries: [(key: String, value: ConfigValue)]
    public let diagnostics: ConfigDiagnostics
    let secrets: SecretResolver
    private var used: Set<String> = []

    public init(path: String, value: ConfigValue, diagnostics: ConfigDiagnostics, secrets: SecretResolver) {
        self.path = path
        self.diagnostics = diagnostics
        self.secrets = secrets
        if case .map(let entries) = value {
            self.entries = entries
        } else {
            self.entries = []
            if value != .null { diagnostics.report(path, "expected a map, found \(value.kindName)") }
        }
        var seen: Set<String> = []
        for entry in entries where !seen.insert(entry.key).inserted {
            diagnostics.report(keyPath(entry.key), "duplicate key")
        }
    }

    public func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The keys of this map, in order (for maps keyed by name, such as a source's `streamSettings`).
    public var keys: [String] { entries.map(\.key) }

    public func has(_ key: String) -> Bool { entries.contains { $0.key == key } }

    /// The raw value of `key`, marking it as known.
    public func value(_ key: String) -> ConfigValue? {
        used.insert(key)
        guard let value = entries.first(where: { $0.key == key })?.value, value != .null else { return nil }
        return value
    }

    public func report(_ key: String, _ message: String) { diagnostics.report(keyPath(key), message) }

    /// Reports keys that no getter asked for. Call after reading every known key.
    public func finish() {
        for entry in entries where !used.contains(entry.key) {
            diagnostics.report(keyPath(entry.key), "unknown key")
        }
    }

    // MARK: Scalars

    /// A string; `${env:NAME}` / `${file:PATH}` references are resolved.
    public func string(_ key: String) -> String? {
        guard let value = value(key) else { return nil }
        guard case .scalar(let text) = value else {
            report(key, "expected a string, found \(value.kindName)")
            return nil
        }
        return secrets.resolve(text, at: keyPath(key), diagnostics: diagnostics)
    }

    /// The value of `key` as written in the file, for messages: a `${env:…}` reference stays a
    /// reference, so an error about the value can never print what it resolved to.
    public func quoted(_ key: String) -> String {
        guard case .scalar(let text)? = entries.first(where: { $0.key == key })?.value else { return "?" }
        return "\"\(text)\""
    }

    public func string(_ key: String, default fallback: String) -> String { string(key) ?? fallback }

    /// A string that must be present and non-empty.
    public func requiredString(_ key: String) -> String {
        guard let text = string(key) else {
            if !has(key) || value(key) == nil { report(key, "is required") }
            return ""
        }
        if text.isEmpty { report(key, "must not be empty") }
        return text
    }

    /// One of `choices`.
    public func choice(_ key: String, _ choices: [String], default fallback: String) -> String {
        guard let text = string(key) else { return fallback }
        guard choices.contains(text) else {
            report(key, "\(quoted(key)) is not one of \(choices.joined(separator: ", "))")
            return fallback
        }
        return text
    }

    /// A secret, given inline or (better) by `${env:NAME}` / `${file:PATH}` reference. Its value
    /// never appears in a message.
    public func secret(_ key: String) -> Secret? {
        guard let value = value(key) else { return nil }
        guard case .scalar(let text) = value else {
            report(key, "expected a string or a ${env:…}/${file:…} reference, found \(value.kindName)")
            return nil
        }
        guard let resolved = secrets.resolve(text, at: keyPath(key), diagnostics: diagnostics) else { return nil }
        return Secret(resolved)
    }

    public func requiredSecret(_ key: String) -> Secret {
        if let secret = secret(key) { return secret }
        if !has(key) { report(key, "is required") }
        return Secret("")
    }

    public func bool(_ key: String, default fallback: Bool) -> Bool {
        guard let text = string(key) else { return fallback }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            report(key, "\(quoted(key)) is not a boolean")
            return fallback
        }
    }

    public func integer(_ key: String, default fallback: Int, range: ClosedRange<Int> = Int.min...Int.max) -> Int {
        guard let text = string(key) else { return fallback }
        guard let number = Int(text.replacingUnderscores()) else {
            report(key, "\(quoted(key)) is not an integer")
            return fallback
        }
        guard range.contains(number) else {
            report(key, "\(quoted(key)) is out of range \(range.lowerBound)...\(range.upperBound)")
            return fallback
        }
        return number
    }

    public func duration(_ key: String, default fallback: Duration) -> Duration {
        guard let text = string(key) else { return fallback }
        guard let duration = ConfigUnits.duration(text) else {
            report(key, "\(quoted(key)) is not a duration (use e.g. 500ms, 60s, 5m, 2h, 7d)")
            return fallback
        }
        return duration
    }

    public func byteSize(_ key: String, default fallback: UInt64) -> UInt64 {
        guard let text = string(key) else { return fallback }
        guard let size = ConfigUnits.byteSize(text) else {
            report(key, "\(quoted(key)) is not a size (use e.g. 4096, 64KiB, 512MiB, 2GiB)")
            return fallback
        }
        return size
    }

    // MARK: Structure

    public func section(_ key: String) -> ConfigSection? {
        guard let value = value(key) else { return nil }
        return ConfigSection(path: keyPath(key), value: value, diagnostics: diagnostics, secrets: secrets)
    }

    /// A list of maps, e.g. `sources`.
    public func sections(_ key: String) -> [ConfigSection] {
        guard let value = value(key) else { return [] }
        guard case .list(let items) = value else {
            report(key, "expected a list, found \(value.kindName)")
            return []
        }
        return items.enumerated().map { index, item in
            ConfigSection(path: "\(keyPath(key))[\(index)]", value: item, diagnostics: diagnostics, secrets: secrets)
        }
    }

    /// A list of strings (a single string is accepted as a one-element list).
    public func strings(_ key: String) -> [String] {
        guard let value = value(key) else { return [] }
        switch value {
        case .scalar(let text): return [secrets.resolve(text, at: keyPath(key), diagnostics: diagnostics) ?? ""]
        case .list(let items):
            return items.enumerated().compactMap { index, item in
                guard case .scalar(let text) = item else {
                    diagnostics.report("\(keyPath(key))[\(index)]", "expected a string, found \(item.kindName)")
                    return nil
                }
                return secrets.resolve(text, at: "\(keyPath(key))[\(index)]", diagnostics: diagnostics)
            }
        default:
            report(key, "expected a list of strings, found \(value.kindName)")
            return []
        }
    }

    /// A map of strings to strings (e.g. librdkafka pass-through properties); values may be secrets.
    public func stringMap(_ key: String) -> [(key: String, value: Secret)] {
        guard let value = value(key) else { return [] }
        guard case .map(let items) = value else {
            report(key, "expected a map, found \(value.kindName)")
            return []
        }
        return items.compactMap { item in
            guard case .scalar(let text) = item.value else {
                diagnostics.report("\(keyPath(key)).\(item.key)", "expected a string, found \(item.value.kindName)")
                return nil
            }
            guard let resolved = secrets.resolve(text, at: "\(keyPath(key)).\(item.key)", diagnostics: diagnostics) else { return nil }
            return (item.key, Secret(resolved))
        }
    }
}

extension String {
    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
