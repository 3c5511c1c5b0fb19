import RelayCore

/// A vendor's event-name -> behavior table, written from the vendor's documented catalogue.
///
/// Patterns are exact names, `prefix*` or `*suffix`; exact names win, then the longest matching
/// prefix, then the longest suffix. Matching is case-insensitive because vendors are not
/// consistent about case (`UserLoggedIn` vs `userloggedin`).
public struct BehaviorRules: Sendable {
    private var exact: [String: Behavior] = [:]
    private var prefixes: [(String, Behavior)] = []
    private var suffixes: [(String, Behavior)] = []

    public init(_ rules: KeyValuePairs<String, Behavior>) {
        for (pattern, behavior) in rules {
            let pattern = pattern.lowercased()
            if pattern.hasSuffix("*") {
                prefixes.append((String(pattern.dropLast()), behavior))
            } else if pattern.hasPrefix("*") {
                suffixes.append((String(pattern.dropFirst()), behavior))
            } else {
                exact[pattern] = behavior
            }
        }
        prefixes.sort { $0.0.count > $1.0.count }
        suffixes.sort { $0.0.count > $1.0.count }
    }

    /// The behavior for `name`, or `.none`.
    public func classify(_ name: String) -> Behavior {
        guard !name.isEmpty else { return .none }
        let name = name.lowercased()
        if let behavior = exact[name] { return behavior }
        if let match = prefixes.first(where: { name.hasPrefix($0.0) }) { return match.1 }
        if let match = suffixes.first(where: { name.hasSuffix($0.0) }) { return match.1 }
        return .none
    }
}
