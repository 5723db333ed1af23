import PostgresNIO

/// Builds a `WHERE` clause and its numbered bindings for the list queries with optional filters.
struct PostgresFilter {
    private var conditions: [String] = []
    private(set) var bindings = PostgresBindings()

    /// Binds `value` and returns its placeholder (`$n`).
    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value) -> String {
        bindings.append(value)
        return "$\(bindings.count)"
    }

    /// Adds a condition that needs no value.
    mutating func add(_ condition: String) {
        conditions.append(condition)
    }

    /// Adds `column = value` when `value` is not `nil`.
    mutating func add<Value: PostgresDynamicTypeEncodable>(_ column: String, equals value: Value?) {
        guard let value else { return }
        conditions.append("\(column) = \(bind(value))")
    }

    /// `WHERE a AND b`, or nothing.
    var whereClause: String {
        conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
    }

    /// `sql` with these bindings.
    func query(_ sql: String) -> PostgresQuery {
        PostgresQuery(unsafeSQL: sql, binds: bindings)
    }
}
