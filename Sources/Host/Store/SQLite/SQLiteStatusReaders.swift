import Foundation
import GRDBSQLite
import Synchronization

/// Read-only connections of their own for the public status read, run on the caller's thread.
///
/// Through GRDB each status read took a reader from its pool (a semaphore), hopped to that
/// reader's dispatch queue, checked the schema version with a statement of its own, and hopped
/// back to resume the request: about a quarter of the server's CPU in a run of status reads,
/// more than the read itself. Here the read is one prepared statement stepped where the request
/// runs. A caller never waits for a connection: when every connection is in use (or one cannot
/// be opened, or a read fails) ``read(id:)`` returns `nil` and the store reads through GRDB as
/// before, so no thread of the cooperative pool ever blocks on another one.
///
/// In WAL mode each step in autocommit sees the latest commit, and resetting the statement
/// afterwards ends its read transaction, so no connection holds a snapshot (or a checkpoint)
/// back between reads.
final class SQLiteStatusReaders: Sendable {
    /// One connection with the status statement prepared on it.
    private struct Reader: @unchecked Sendable {  // used by one caller at a time, under `idle`'s lock
        let connection: OpaquePointer
        let statement: OpaquePointer

        func close() {
            sqlite3_finalize(statement)
            sqlite3_close_v2(connection)
        }
    }

    private struct Idle {
        var readers: [Reader] = []
        var opened = 0
        var closed = false
    }

    let path: String
    let sql: String
    /// The most connections it opens; more concurrent reads go through GRDB.
    let maxConnections: Int
    private let idle = Mutex(Idle())

    init(path: String, sql: String, maxConnections: Int) {
        self.path = path
        self.sql = sql
        self.maxConnections = max(1, maxConnections)
    }

    /// The row of `sql` for `id` decoded by `decode`, or `.some(nil)` when there is none; `nil`
    /// when no connection was free or the read failed, and the caller reads another way.
    func read<T>(id: String, _ decode: (StatusRow) throws -> T) -> T?? {
        guard let reader = take() else { return nil }
        defer {
            sqlite3_reset(reader.statement)
            sqlite3_clear_bindings(reader.statement)
            give(reader)
        }
        let bound = id.utf8CString.withUnsafeBufferPointer { bytes in
            sqlite3_bind_text(reader.statement, 1, bytes.baseAddress, Int32(bytes.count - 1), sqliteTransient)
        }
        guard bound == SQLITE_OK else { return nil }
        switch sqlite3_step(reader.statement) {
        case SQLITE_DONE: return .some(nil)
        case SQLITE_ROW: return (try? decode(StatusRow(statement: reader.statement))).map { .some($0) }
        default: return nil
        }
    }

    /// Closes every idle connection; ones in use close when they come back.
    func close() {
        let readers = idle.withLock { idle -> [Reader] in
            idle.closed = true
            defer { idle.readers = [] }
            return idle.readers
        }
        for reader in readers { reader.close() }
    }

    /// The columns of the current row of one step.
    struct StatusRow {
        fileprivate let statement: OpaquePointer

        func text(_ index: Int32) -> String? {
            guard sqlite3_column_type(statement, index) != SQLITE_NULL,
                let bytes = sqlite3_column_text(statement, index)
            else { return nil }
            return String(cString: bytes)
        }

        func bool(_ index: Int32) -> Bool { sqlite3_column_int64(statement, index) != 0 }

        func double(_ index: Int32) -> Double? {
            sqlite3_column_type(statement, index) == SQLITE_NULL ? nil : sqlite3_column_double(statement, index)
        }
    }

    private func take() -> Reader? {
        enum Taken {
            case reader(Reader)
            case open
            case none
        }
        let taken = idle.withLock { idle -> Taken in
            guard !idle.closed else { return .none }
            if let reader = idle.readers.popLast() { return .reader(reader) }
            guard idle.opened < maxConnections else { return .none }
            idle.opened += 1
            return .open
        }
        switch taken {
        case .reader(let reader): return reader
        case .none: return nil
        case .open:
            if let reader = open() { return reader }
            idle.withLock { $0.opened -= 1 }
            return nil
        }
    }

    private func give(_ reader: Reader) {
        let closed = idle.withLock { idle -> Bool in
            guard !idle.closed else { return true }
            idle.readers.append(reader)
            return false
        }
        if closed { reader.close() }
    }

    private func open() -> Reader? {
        var connection: OpaquePointer?
        let flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(path, &connection, flags, nil) == SQLITE_OK, let connection else {
            sqlite3_close_v2(connection)
            return nil
        }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
            let statement
        else {
            sqlite3_close_v2(connection)
            return nil
        }
        return Reader(connection: connection, statement: statement)
    }
}

/// SQLite copies the bound text before `sqlite3_bind_text` returns.
private let sqliteTransient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
