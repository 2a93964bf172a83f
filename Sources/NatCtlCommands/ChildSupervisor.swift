import NATCore

#if canImport(Glibc)
import Glibc
#endif

/// What a command that runs a child waits for.
enum ChildEvent: Sendable {
    /// SIGINT or SIGTERM reached natctl (`SignalCatcher`).
    case signal(Int32)
    /// The child ended.
    case ended(ChildEnd)
}

/// Runs alongside a child (`lab exec`'s command, `trace`'s operation) until it ends, passing on
/// every SIGINT and SIGTERM natctl gets, so `kill -INT` of natctl alone stops both, as Ctrl-C
/// at a terminal (which signals the whole process group) does.
struct ChildSupervisor {
    let pid: Int32
    let exit: ChildExit
    /// Signals caught since before the child started, and its end.
    let events: Mailbox<ChildEvent>
    /// How long the child has to end after a forwarded signal before SIGKILL; nil waits for as
    /// long as it runs (an interactive command may handle SIGINT and carry on, as a shell does).
    let grace: Duration?

    /// The child's end, and the first signal that was passed on, if any.
    func wait() async -> (end: ChildEnd, signal: Int32?) {
        let exit = self.exit
        let events = self.events
        Task { events.push(.ended(await exit.wait())) }
        var signal: Int32?
        while true {
            let limit = signal == nil ? nil : grace
            // A year stands for "no limit": the child's own bounds (--timeout) apply.
            switch await events.next(within: limit ?? .seconds(366 * 24 * 3600)) {
            case .signal(let number):
                if signal == nil { signal = number }
                // Only a child that has not been reaped: its process ID could be reused after.
                if exit.end == nil { kill(pid, number) }
            case .ended(let end):
                return (end, signal)
            case nil:
                if exit.end == nil { kill(pid, SIGKILL) }
            }
        }
    }
}
