import Foundation
import RelayCore

/// A vendor's event-name -> behavior table, written from the vendor's documented catalogue, over
/// the shared `BehaviorGrammar`.
///
/// Patterns are exact names, `prefix*` or `*suffix`; exact names win, then the longest matching
/// prefix, then the longest suffix, then (unless turned off) the grammar's reading of the name.
/// A pattern may map to `.none`: an explicit "no behavior" decision the grammar cannot override.
/// Matching is case-insensitive because vendors are not consistent about case (`UserLoggedIn` vs
/// `userloggedin`).
public struct BehaviorRules: Sendable {
    private var exact: [String: Behavior] = [:]
    /// The exact names that come from the vendor's published catalogue (not from our samples).
    private var catalogued: Set<String> = []
    private var prefixes: [(String, Behavior)] = []
    private var suffixes: [(String, Behavior)] = []
    /// Patterns made of verbs alone (`*_create`, `delete_*`): catch-alls for "some object was
    /// created" that yield to the grammar where it names the object.
    private var verbAffixes: Set<String> = []
    private var useGrammar: Bool
    /// The grammar's readings of names seen before: vendors repeat a few hundred names millions of times.
    private let readings = ReadingCache()

    /// - Parameters:
    ///   - catalogue: the vendor's published names with their recorded decisions (exact names;
    ///     a hand-written exact pattern for the same name wins).
    ///   - grammar: whether names no pattern matches go to `BehaviorGrammar`.
    public init(_ rules: KeyValuePairs<String, Behavior>, catalogue: VendorCatalogue? = nil, grammar: Bool = true) {
        useGrammar = grammar
        for (name, decision) in catalogue?.decisions ?? [:] {
            if let decision {
                exact[name] = decision
                catalogued.insert(name)
            }
        }
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
        for affix in prefixes.map(\.0) + suffixes.map(\.0) {
            let words = BehaviorGrammar.words(affix)
            if !words.isEmpty && words.allSatisfy({ Lexicon.verbs[$0] != nil }) { verbAffixes.insert(affix) }
        }
    }

    /// The behavior for `name`, or `.none`.
    public func classify(_ name: String) -> Behavior { decide(name).behavior }

    /// Exact names written from the samples a generalization measurement tests on: ignored unless
    /// the vendor's published catalogue lists them (then the decision is the catalogue's, not
    /// learnt from the sample). Empty outside that measurement.
    @TaskLocal public static var heldOut: Set<String> = []
    /// The strict measurement: held-out names are ignored even where a catalogue lists them (the
    /// catalogues' decisions were made by people who had seen the samples).
    @TaskLocal public static var heldOutFromCatalogues = false

    private static func isHeldOut(_ name: String, catalogued: Set<String>) -> Bool {
        let heldOut = Self.heldOut
        return !heldOut.isEmpty && heldOut.contains(name) && (heldOutFromCatalogues || !catalogued.contains(name))
    }

    /// The behavior for `name` and what decided it.
    public func decide(_ name: String) -> (behavior: Behavior, basis: BehaviorBasis) {
        guard !name.isEmpty else { return (.none, .none) }
        let lowered = name.lowercased()
        if let behavior = exact[lowered], !Self.isHeldOut(lowered, catalogued: catalogued) { return (behavior, .table(lowered)) }
        let prefix = prefixes.first { lowered.hasPrefix($0.0) }
        let suffix = prefix == nil ? suffixes.first { lowered.hasSuffix($0.0) } : nil
        let pattern = prefix.map { ($0.1, BehaviorBasis.table($0.0 + "*")) } ?? suffix.map { ($0.1, BehaviorBasis.table("*" + $0.0)) }
        let catchAll = (prefix ?? suffix).map { verbAffixes.contains($0.0) } ?? false
        guard useGrammar else { return pattern ?? (.none, .none) }
        let (reading, words) = readings.reading(lowered) {
            let words = BehaviorGrammar.words(name)
            return (BehaviorGrammar.read(words), words.joined(separator: " "))
        }
        let grammar = (reading.behavior, BehaviorBasis.grammar(words))
        guard let pattern else { return reading.behavior == .none ? (.none, .none) : grammar }
        // A verb catch-all (`*_create` -> resource.create) yields to the grammar where the grammar
        // names the object (`group_create` -> group.create); an object catch-all that can only say
        // "changed" (`user.*` -> user.update) yields where the name says more (`USER.CREATED`,
        // `USER.ACCESS_ALLOWED`).
        if catchAll && reading.behavior != .none && reading.object != .resource { return grammar }
        if pattern.0.isUpdate, reading.behavior != .none, let verb = reading.verb, BehaviorGrammar.decisiveVerbs.contains(verb) { return grammar }
        return pattern
    }
}

extension Behavior {
    /// The "something about it changed" behaviors an object catch-all gives.
    var isUpdate: Bool {
        switch self {
        case .userUpdate, .groupUpdate, .roleUpdate, .policyUpdate, .integrationUpdate, .resourceUpdate: return true
        default: return false
        }
    }
}

/// A bounded memo of grammar readings, shared by the tasks that classify with one table.
final class ReadingCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (BehaviorGrammar.Reading, String)] = [:]
    private let capacity = 8192

    func reading(_ key: String, compute: () -> (BehaviorGrammar.Reading, String)) -> (BehaviorGrammar.Reading, String) {
        if let hit = lock.withLock({ entries[key] }) { return hit }
        let value = compute()
        lock.withLock {
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }  // a vendor inventing names: start over
            entries[key] = value
        }
        return value
    }
}

extension AuditRecord {
    /// Sets `behavior` (and what decided it) from `rules` applied to `name`.
    public mutating func classify(_ name: String, with rules: BehaviorRules) {
        (behavior, behaviorBasis) = rules.decide(name)
    }

    /// Sets a behavior a vendor rule decided from fields other than the name.
    public mutating func setBehavior(_ behavior: Behavior, rule: String) {
        self.behavior = behavior
        behaviorBasis = behavior == .none ? .none : .vendor(rule)
    }
}

/// A vendor's published catalogue of event names, as data: one row per name, `name<TAB>decision`,
/// where the decision is a behavior id, `-` for "no behavior" (decided: nothing security-relevant
/// to label), or `?` for not yet decided. `source` is where the list was taken from, so it can be
/// refreshed when the vendor adds events.
public struct VendorCatalogue: Sendable {
    public let vendor: String
    public let source: String
    /// Lower-cased name -> decision (nil: not yet decided).
    public let decisions: [String: Behavior?]
    /// The names as published, in catalogue order.
    public let names: [String]
    /// Rows whose decision is not a behavior id, `-` or `?` (a typo): left undecided, and reported by the tests.
    public let invalidRows: [String]

    public init(vendor: String, source: String, rows: String) {
        self.vendor = vendor
        self.source = source
        var decisions: [String: Behavior?] = [:]
        var names: [String] = []
        var invalid: [String] = []
        for line in rows.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard let first = fields.first, !first.isEmpty, !first.hasPrefix("#") else { continue }
            let name = String(first)
            let decision = fields.count > 1 ? String(fields[1]).trimmingASCIIWhitespace() : "?"
            names.append(name)
            switch decision {
            case "?": decisions[name.lowercased()] = .some(nil)
            case "-": decisions[name.lowercased()] = .some(Behavior.none)
            default:
                let behavior = Behavior(rawValue: decision).flatMap { $0 == .none ? nil : $0 }
                if behavior == nil { invalid.append(String(line)) }
                decisions[name.lowercased()] = .some(behavior)
            }
        }
        self.decisions = decisions
        self.names = names
        invalidRows = invalid
    }

    /// Names with a decision (a behavior or an explicit none), and names given a behavior.
    public var coverage: (catalogued: Int, decided: Int, withBehavior: Int) {
        let decided = decisions.values.compactMap { $0 }
        return (decisions.count, decided.count, decided.filter { $0 != .none }.count)
    }
}
