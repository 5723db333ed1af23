import GRDB

/// Builds a `WHERE` clause and its arguments for the list queries with optional filters (the
/// SQLite twin of ``PostgresFilter``).
struct SQLiteFilter {
    private var conditions: [String] = []
    private var arguments: [(any DatabaseValueConvertible)?] = []

    /// Adds a condition; its `?` placeholders take `values`, in order.
    mutating func add(_ condition: String, _ values: (any DatabaseValueConvertible)...) {
        conditions.append(condition)
        arguments.append(contentsOf: values.map { $0 })
    }

    /// Adds `column = value` when `value` is not `nil`.
    mutating func add(_ column: String, equals value: (any DatabaseValueConvertible)?) {
        guard let value else { return }
        add("\(column) = ?", value)
    }

    /// `WHERE a AND b`, or nothing.
    var whereClause: String {
        conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
    }

    /// These arguments followed by `trailing` (the `LIMIT`/`OFFSET` values after the clause).
    func arguments(then trailing: (any DatabaseValueConvertible)...) -> StatementArguments {
        StatementArguments(arguments + trailing.map { $0 })
    }
}
