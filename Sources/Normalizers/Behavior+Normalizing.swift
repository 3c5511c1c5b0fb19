import RelayCore

extension Behavior {
    /// The same resource's read behavior, for vendors that log the task and, separately, whether
    /// it only read (Workday `activityAction: READ`). Kinds without a read keep their behavior.
    public var asRead: Behavior {
        switch self {
        case .userCreate, .userUpdate, .userDelete: return .userRead
        case .groupCreate, .groupUpdate, .groupDelete, .groupMemberAdd, .groupMemberRemove: return .groupRead
        case .roleCreate, .roleUpdate, .roleDelete: return .roleRead
        case .policyCreate, .policyUpdate, .policyDelete: return .policyRead
        case .integrationCreate, .integrationUpdate, .integrationDelete: return .integrationRead
        case .resourceCreate, .resourceUpdate, .resourceDelete: return .resourceRead
        default: return self
        }
    }
}

/// Tells create/read/update/delete apart from the verb that starts an API method or operation
/// name (`deleteEmailDrafts`, `getObjectInfo`, `query_all`, `Create`), for vendors whose event
/// type is "an API call" and whose operation names are free-form (Salesforce API/Aura events).
public enum OperationVerb {
    public static let rules = BehaviorRules([
        "get*": .resourceRead, "query*": .resourceRead, "retrieve*": .resourceRead, "read*": .resourceRead,
        "describe*": .resourceRead, "search*": .resourceRead, "list*": .resourceRead, "load*": .resourceRead,
        "fetch*": .resourceRead, "find*": .resourceRead, "view*": .resourceRead, "select*": .resourceRead,
        "create*": .resourceCreate, "insert*": .resourceCreate, "add*": .resourceCreate, "new*": .resourceCreate,
        "post": .resourceCreate, "upload*": .resourceCreate,
        "update*": .resourceUpdate, "upsert*": .resourceUpdate, "save*": .resourceUpdate, "set*": .resourceUpdate,
        "edit*": .resourceUpdate, "patch": .resourceUpdate, "put": .resourceUpdate, "merge*": .resourceUpdate,
        "modify*": .resourceUpdate, "undelete*": .resourceUpdate,
        "delete*": .resourceDelete, "remove*": .resourceDelete, "destroy*": .resourceDelete, "purge*": .resourceDelete,
        "harddelete*": .resourceDelete,
        "export*": .resourceDownload, "download*": .resourceDownload,
    ], grammar: false)  // API operations are resources, whatever object their method names

    /// The resource behavior for an operation name, or `.none`.
    public static func classify(_ operation: String) -> Behavior { rules.classify(operation) }

    /// Rows above this count make a read an export: the EMM counts bulk reads (a query that
    /// returned a million rows) as downloads, and a UI page never shows more than a few thousand.
    public static let bulkRowThreshold = 10_000.0
}
