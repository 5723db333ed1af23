import GRDB

/// Statements the store runs on every request, compiled once per connection.
///
/// GRDB's `execute(sql:)` and `fetchOne(_:sql:)` compile the SQL on every call, and compiling is
/// most of what a one-row statement costs (SQLite parses it and asks GRDB's authorizer about every
/// column). These go through the connection's statement cache instead. Only for SQL drawn from a
/// fixed set of strings: each distinct string stays compiled for the life of the connection.
extension Database {
    func execute(cachedSQL sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}

extension Row {
    static func fetchOne(
        _ db: Database, cachedSQL sql: String, arguments: StatementArguments = StatementArguments()
    ) throws -> Row? {
        try fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }

    static func fetchAll(
        _ db: Database, cachedSQL sql: String, arguments: StatementArguments = StatementArguments()
    ) throws -> [Row] {
        try fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }
}

extension DatabaseValueConvertible where Self: StatementColumnConvertible {
    static func fetchOne(
        _ db: Database, cachedSQL sql: String, arguments: StatementArguments = StatementArguments()
    ) throws -> Self? {
        try fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }

    static func fetchAll(
        _ db: Database, cachedSQL sql: String, arguments: StatementArguments = StatementArguments()
    ) throws -> [Self] {
        try fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }
}
