import Foundation
import RelayCore
import Yams

/// Turns YAML text into a `ConfigValue` tree. Every YAML problem becomes one message with its line.
public enum ConfigLoader {
    public static func parse(yaml text: String, file: String) throws(ConfigLoadError) -> ConfigValue {
        do {
            guard let node = try Yams.compose(yaml: text) else { return .map([]) }
            return convert(node)
        } catch let error as YamlError {
            throw ConfigLoadError(message: "\(file): invalid YAML: \(Self.describe(error))")
        } catch {
            throw ConfigLoadError(message: "\(file): invalid YAML: \(error)")
        }
    }

    public static func read(file: String) throws(ConfigLoadError) -> ConfigValue {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigLoadError(message: "cannot read config \(file): \(error.localizedDescription)")
        }
        return try parse(yaml: text, file: file)
    }

    static func convert(_ node: Node) -> ConfigValue {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) { return .null }
            return .scalar(scalar.string)
        case .sequence(let sequence):
            return .list(sequence.map(convert))
        case .mapping(let mapping):
            return .map(mapping.map { (key: $0.key.string ?? "\($0.key)", value: convert($0.value)) })
        case .alias:
            return .null
        }
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            let where_ = "line \(mark.line), column \(mark.column)"
            return [context?.text, problem, "at \(where_)"].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        default:
            return "\(error)"
        }
    }
}

public struct ConfigLoadError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
