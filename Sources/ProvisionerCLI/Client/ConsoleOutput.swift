import Foundation
import Synchronization

/// Where a client command writes: standard output and error, or, in tests, a capture.
///
/// Commands read ``current``, a task-local, so a test runs a parsed command inside
/// `ConsoleOutput.$current.withValue(capture) { ... }` and reads what it printed.
struct ConsoleOutput: Sendable {
    /// Writes to standard output.
    var write: @Sendable (String) -> Void
    /// Writes to standard error.
    var writeError: @Sendable (String) -> Void
    /// Whether standard output is a terminal (the progress display redraws in place).
    var outputIsTerminal: Bool
    /// Whether standard error is a terminal.
    var errorIsTerminal: Bool

    /// The process's own streams. A write that fails (a reader that went away: `| head`) is dropped
    /// rather than crashing the command.
    static let standard = ConsoleOutput(
        write: { text in try? FileHandle.standardOutput.write(contentsOf: Data(text.utf8)) },
        writeError: { text in try? FileHandle.standardError.write(contentsOf: Data(text.utf8)) },
        outputIsTerminal: isatty(STDOUT_FILENO) == 1, errorIsTerminal: isatty(STDERR_FILENO) == 1)

    /// The output of the running command.
    @TaskLocal static var current = ConsoleOutput.standard

    /// Writes `line` and a newline to standard output.
    func line(_ line: String) { write(line + "\n") }
    /// Writes `line` and a newline to standard error.
    func errorLine(_ line: String) { writeError(line + "\n") }
}

/// What a test captures from a command.
final class CapturedOutput: Sendable {
    private let buffers = Mutex<(output: String, error: String)>(("", ""))

    /// Everything written to standard output.
    var output: String { buffers.withLock { $0.output } }
    /// Everything written to standard error.
    var error: String { buffers.withLock { $0.error } }

    /// A console writing into this capture; `terminal` makes the command treat it as a terminal.
    func console(terminal: Bool = false) -> ConsoleOutput {
        ConsoleOutput(
            write: { text in self.buffers.withLock { $0.output += text } },
            writeError: { text in self.buffers.withLock { $0.error += text } },
            outputIsTerminal: terminal, errorIsTerminal: terminal)
    }
}
