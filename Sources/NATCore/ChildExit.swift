import Foundation
import NIOConcurrencyHelpers

/// How a child process ended.
public enum ChildEnd: Sendable, Equatable {
    /// It exited with this status.
    case exited(Int32)
    /// A signal with this number killed it.
    case signalled(Int32)

    /// The status to pass on, as shells report it: the child's own, or 128 + the signal's
    /// number (130 for SIGINT, 143 for SIGTERM), so a caller can tell an interrupted child
    /// from one that failed.
    public var status: Int32 {
        switch self {
        case .exited(let status): status
        case .signalled(let number): 128 + number
        }
    }
}

/// Awaits a child's end without holding any thread: Foundation calls `terminationHandler` when
/// it reaps the child, and that resumes the waiters. (`Process.waitUntilExit` instead blocks
/// its thread, polling a run loop, for as long as the child runs.)
public final class ChildExit: Sendable {
    private struct State {
        var end: ChildEnd?
        var waiters: [CheckedContinuation<ChildEnd, Never>] = []
    }

    private let state = NIOLockedValueBox(State())

    /// Watches `process`; create it before `process.run()`, since it sets `terminationHandler`.
    public init(watching process: Process) {
        process.terminationHandler = { [state] ended in
            let end: ChildEnd = ended.terminationReason == .exit ? .exited(ended.terminationStatus) : .signalled(ended.terminationStatus)
            let waiters = state.withLockedValue { state in
                state.end = end
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: end) }
        }
    }

    /// The child's end, once it has ended; nil while it runs (so a signal is only sent to a
    /// child that still exists, never to a reused process ID).
    public var end: ChildEnd? { state.withLockedValue { $0.end } }

    /// Suspends until the child has ended.
    public func wait() async -> ChildEnd {
        await withCheckedContinuation { continuation in
            let ended = state.withLockedValue { state -> ChildEnd? in
                if state.end == nil { state.waiters.append(continuation) }
                return state.end
            }
            if let ended { continuation.resume(returning: ended) }
        }
    }
}
