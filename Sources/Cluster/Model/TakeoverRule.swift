/// Where a replica that was just assigned a source starts it. The mirrored cursor wins even over a
/// local one that may be further ahead: the mirror never runs ahead of data every sink has, so
/// starting there can only fetch events again (duplicates), never skip any.
public enum TakeoverRule {
    /// `mirrored`, else `local` (this replica's spool), else nil (a fresh backfill).
    public static func startingCursor(mirrored: String?, local: String?) -> String? {
        mirrored ?? local
    }
}
