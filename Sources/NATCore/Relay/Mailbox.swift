import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A queue whose `next(within:)` waits for the next element at most so long: for reading
/// replies that may never come (lost datagrams) without hanging. One reader at a time.
public final class Mailbox<Element: Sendable>: Sendable {
    private struct State {
        var buffered = CircularBuffer<Element>()
        var waiter: (id: Int, continuation: CheckedContinuation<Element?, Never>, timer: Scheduled<Void>?)?
        var nextID = 0
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    public func push(_ element: Element) {
        let waiter = state.withLockedValue { state -> (CheckedContinuation<Element?, Never>, Scheduled<Void>?)? in
            guard let waiter = state.waiter else {
                state.buffered.append(element)
                return nil
            }
            state.waiter = nil
            return (waiter.continuation, waiter.timer)
        }
        // The wait's timer goes with it (NIO removes a cancelled task from its queue), so a
        // long limit waited many times does not leave a timer behind per wait.
        waiter?.1?.cancel()
        waiter?.0.resume(returning: element)
    }

    /// The next element, or nil when none arrives within `limit`. A buffered element returns at
    /// once; otherwise the waiter is registered first and only then the timer armed, so the
    /// timer can only ever expire a wait that exists (a late one finds another id and does nothing).
    public func next(within limit: Duration) async -> Element? {
        await withCheckedContinuation { continuation in
            let waiting = state.withLockedValue { state -> Int? in
                if !state.buffered.isEmpty {
                    continuation.resume(returning: state.buffered.removeFirst())
                    return nil
                }
                precondition(state.waiter == nil, "a Mailbox has one reader at a time")
                state.nextID += 1
                state.waiter = (state.nextID, continuation, nil)
                return state.nextID
            }
            guard let id = waiting else { return }
            let nanoseconds = max(0, limit.components.seconds * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000)
            let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(nanoseconds)) { self.expire(id) }
            let stale = state.withLockedValue { state -> Bool in
                guard state.waiter?.id == id else { return true }
                state.waiter?.timer = timer
                return false
            }
            if stale { timer.cancel() }
        }
    }

    /// Drops everything buffered.
    public func drain() { state.withLockedValue { $0.buffered.removeAll() } }

    private func expire(_ id: Int) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Element?, Never>? in
            guard let waiter = state.waiter, waiter.id == id else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume(returning: nil)
    }
}
