import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Progress for a person watching a long command (`lab verify`, `classify --lifetime`, `punch`):
/// notes that stay, and one status line, rewritten in place every second, saying what the
/// command waits for, how long it has waited and how much of its budget is left.
///
/// DESIGN.md's contract: only on stderr, only when stderr is a terminal, never in `--json`
/// mode; colour (the status line dimmed) never with `NO_COLOR` or `TERM=dumb`. Where progress
/// is not shown, `ProgressLine.start` returns nil and callers skip it with `?.`.
final class ProgressLine: Sendable {
    /// Whether to show progress, and in colour, for these facts (pure, so tests can ask).
    static func mode(json: Bool, stderrIsTerminal: Bool, environment: [String: String]) -> (show: Bool, colour: Bool) {
        guard !json, stderrIsTerminal else { return (false, false) }
        return (true, environment["NO_COLOR"] == nil && environment["TERM"] != "dumb")
    }

    /// "binding lifetime: waiting … · 1m05s elapsed, 2m55s of 4m00s left" (pure). Fits in
    /// `width` columns by shortening `what`, never the times.
    static func status(_ what: String, elapsed: Duration, budget: Duration?, width: Int = .max) -> String {
        // Whole seconds throughout, so elapsed and left always add up to the budget.
        let seconds = max(elapsed.components.seconds, 0)
        var times = " · \(clock(.seconds(seconds))) elapsed"
        if let budget {
            let left = max(budget.components.seconds - seconds, 0)
            times += ", \(clock(.seconds(left))) of \(clock(budget)) left"
        }
        // One terminal row (less one column, so the cursor never wraps), or "\r" cannot take it back.
        let room = max(width - 1 - times.count, 12)
        let shown = what.count <= room ? what : String(what.prefix(room - 1)) + "…"
        return shown + times
    }

    /// "7s", "1m05s", "1h02m".
    static func clock(_ duration: Duration) -> String {
        let seconds = max(Int(duration.components.seconds), 0)
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m\(String(format: "%02d", seconds % 60))s" }
        return "\(seconds / 3600)h\(String(format: "%02d", seconds % 3600 / 60))m"
    }

    private struct State {
        var what: String?
        var since = ContinuousClock.now
        var budget: Duration?
        var shown = false
    }

    private let colour: Bool
    private let state = Mutex(State())
    private let ticker = Mutex<Task<Void, Never>?>(nil)

    private init(colour: Bool) { self.colour = colour }

    /// A progress line on stderr, or nil where progress is not shown.
    static func start(json: Bool) -> ProgressLine? {
        let mode = mode(
            json: json, stderrIsTerminal: isatty(STDERR_FILENO) != 0, environment: ProcessInfo.processInfo.environment)
        guard mode.show else { return nil }
        let line = ProgressLine(colour: mode.colour)
        let task = Task.detached { [weak line] in
            // Redraws the elapsed time; the command's own events arrive through note/wait.
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                line?.redraw()
            }
        }
        line.ticker.withLock { $0 = task }
        return line
    }

    /// A line that stays (an event: "site a: passed").
    func note(_ text: String) {
        state.withLock { state in
            Self.put((state.shown ? "\r\u{1B}[K" : "") + text + "\n" + render(state))
            state.shown = state.what != nil
        }
    }

    /// `note` as the closure an engine's progress callback takes.
    func notes(indent: String = "") -> @Sendable (String) -> Void {
        { [self] text in note(indent + text) }
    }

    /// Sets what the command now waits for; `budget` is the time it may take, counted from now
    /// unless `since` says otherwise (nil: elapsed time only).
    func wait(for what: String, budget: Duration? = nil, since: ContinuousClock.Instant = .now) {
        state.withLock { state in
            state.what = what
            state.budget = budget
            state.since = since
            Self.put((state.shown ? "\r\u{1B}[K" : "") + render(state))
            state.shown = true
        }
    }

    /// Clears the status line and stops redrawing it; call before printing the result.
    func finish() {
        ticker.withLock { $0?.cancel() }
        state.withLock { state in
            if state.shown { Self.put("\r\u{1B}[K") }
            state.what = nil
            state.shown = false
        }
    }

    private func redraw() {
        state.withLock { state in
            guard state.what != nil else { return }
            Self.put("\r\u{1B}[K" + render(state))
            state.shown = true
        }
    }

    private func render(_ state: State) -> String {
        guard let what = state.what else { return "" }
        let text = Self.status(
            what, elapsed: ContinuousClock.now - state.since, budget: state.budget, width: Self.columns())
        return colour ? "\u{1B}[2m\(text)\u{1B}[0m" : text
    }

    private static func columns() -> Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    private static func put(_ text: String) {
        _ = text.utf8CString.withUnsafeBufferPointer { write(STDERR_FILENO, $0.baseAddress, $0.count - 1) }
    }
}
