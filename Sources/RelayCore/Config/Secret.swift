import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A secret value. Printing it in any way (`description`, string interpolation, `dump`) shows
/// `<redacted>`; only `reveal()` gives the value, and only code that sends it to a peer calls it.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    public init(_ value: String) { self.value = value }

    public func reveal() -> String { value }
    public var isEmpty: Bool { value.isEmpty }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}

/// Resolves `${env:NAME}` and `${file:/path}` references in config strings. Problems (unset
/// variable, unreadable file) are reported with the key path; the values never are.
public struct SecretResolver: Sendable {
    public var environment: [String: String]
    /// Reads a secret file; injectable for tests.
    public var readFile: @Sendable (String) throws -> String

    public init(environment: [String: String], readFile: @escaping @Sendable (String) throws -> String = SecretResolver.readSecretFile) {
        self.environment = environment
        self.readFile = readFile
    }

    /// The process environment and the real file system.
    public static func live() -> SecretResolver {
        var environment: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                environment[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return SecretResolver(environment: environment)
    }

    /// Resolves every reference in `text`. Returns nil (and reports) when one cannot be resolved.
    func resolve(_ text: String, at path: String, diagnostics: ConfigDiagnostics) -> String? {
        guard text.contains("${") else { return text }
        var output = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            output += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                output += rest[open.lowerBound...]
                rest = ""
                break
            }
            let reference = rest[open.upperBound..<close]
            rest = rest[rest.index(after: close)...]
            if reference.hasPrefix("env:") {
                let name = String(reference.dropFirst(4))
                guard let value = environment[name] else {
                    diagnostics.report(path, "environment variable \(name) is not set")
                    return nil
                }
                output += value
            } else if reference.hasPrefix("file:") {
                let file = String(reference.dropFirst(5))
                do {
                    // Secret files conventionally end with a newline that is not part of the secret.
                    var value = try readFile(file)
                    while value.hasSuffix("\n") || value.hasSuffix("\r") { value.removeLast() }
                    output += value
                } catch {
                    diagnostics.report(path, "secret file \(file) cannot be read: \(error)")
                    return nil
                }
            } else {
                diagnostics.report(path, "unknown reference ${\(reference)}: use ${env:NAME} or ${file:/path}")
                return nil
            }
        }
        return output + rest
    }

    /// Reads a whole file as UTF-8. Errors name the cause (errno), never the content.
    @Sendable public static func readSecretFile(_ path: String) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SystemError(errno: errno) }
        defer { close(descriptor) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 { throw SystemError(errno: errno) }
            if count == 0 { break }
            data.append(contentsOf: buffer[0..<count])
            guard data.count <= 1 << 20 else { throw SystemError(message: "larger than 1 MiB") }
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// An operating-system error with its message (`No such file or directory`).
public struct SystemError: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    public let message: String
    public init(errno code: Int32) {
        self.code = code
        self.message = String(cString: strerror(code))
    }
    public init(message: String) {
        self.code = 0
        self.message = message
    }
    public var description: String { message }
}
