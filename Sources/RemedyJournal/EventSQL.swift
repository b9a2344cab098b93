import RemedyCore

/// SQL fragments for the journal's queries over run events, built from what `RunEvent` declares: the kinds and the
/// payload members a query reads are named once, in RemedyCore, for the events' coding and for these queries.
///
/// The migrations' index expressions are history and stay literal; `INDEXED BY` makes a query that no longer matches
/// its index fail rather than slow down.
enum EventSQL {
    /// A kind as an SQL string literal: `'run.created'`.
    static func kind(_ kind: RunEventKind) -> String { "'\(kind.rawValue)'" }

    /// Several kinds as an SQL list: `('undo.succeeded', 'undo.failed')`.
    static func kinds(_ kinds: RunEventKind...) -> String { "(" + kinds.map(kind).joined(separator: ", ") + ")" }

    /// A member of the `run.created` payload of the record aliased `table`.
    static func created(_ key: RunDefinition.PayloadKey, of table: String = "created") -> String {
        member(key.rawValue, of: table)
    }

    /// A member of the payload of the record aliased `table` (nil: the table itself).
    static func member(_ key: String, of table: String? = nil) -> String {
        "json_extract(\(table.map { "\($0)." } ?? "")payload, '$.\(key)')"
    }
}
