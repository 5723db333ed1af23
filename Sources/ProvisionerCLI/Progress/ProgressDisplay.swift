/// Shows a waited-for VM's progress: on a terminal one status block redrawn in place (ANSI cursor
/// movement), otherwise one line per change, so logs and pipes stay readable.
struct ProgressDisplay {
    /// ANSI: move the cursor up `n` lines.
    static func cursorUp(_ n: Int) -> String { "\u{1B}[\(n)A" }
    /// ANSI: erase from the cursor to the end of the screen.
    static let eraseBelow = "\u{1B}[J"

    private let write: @Sendable (String) -> Void
    private let redraws: Bool
    private var linesDrawn = 0
    private var last: VMProgressSnapshot?

    /// A display writing through `write`; `terminal` selects the redrawn block.
    init(terminal: Bool, write: @escaping @Sendable (String) -> Void) {
        self.redraws = terminal
        self.write = write
    }

    /// Shows `snapshot` at `elapsed`: a terminal redraws the block (the elapsed time moves on every
    /// look); otherwise only what changed is printed.
    mutating func show(_ snapshot: VMProgressSnapshot, elapsed: Duration) {
        if redraws {
            let lines = ProgressRenderer.block(snapshot, elapsed: elapsed)
            var text = linesDrawn > 0 ? Self.cursorUp(linesDrawn) + Self.eraseBelow : ""
            text += lines.joined(separator: "\n") + "\n"
            write(text)
            linesDrawn = lines.count
        } else {
            let lines = ProgressRenderer.changes(from: last, to: snapshot, elapsed: elapsed)
            if !lines.isEmpty { write(lines.joined(separator: "\n") + "\n") }
        }
        last = snapshot
    }
}
