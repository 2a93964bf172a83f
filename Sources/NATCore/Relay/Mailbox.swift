import NIOConcurrencyHelpers

/// A queue whose `next(within:)` waits for the next element at most so long: for reading
/// replies that may never come (lost datagrams) without hanging.
public final class Mailbox<Element: Sendable>: Sendable {
    private struct State {
        var buffered: [Element] = []
        var waiter: (id: Int, continuation: CheckedContinuation<Element?, Never>)?
        var nextID = 0
        /// Waits whose time ran out before they started waiting.
        var expired: Set<Int> = []
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    public func push(_ element: Element) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Element?, Never>? in
            guard let waiter = state.waiter else {
                state.buffered.append(element)
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume(returning: element)
    }

    /// The next element, or nil when none arrives within `limit`.
    public func next(within limit: Duration) async -> Element? {
        let id = state.withLockedValue { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        let timeout = Task {
            guard (try? await Task.sleep(for: limit)) != nil else { return }  // cancelled: the element came
            expire(id)
        }
        defer { timeout.cancel() }
        return await withCheckedContinuation { continuation in
            let ready = state.withLockedValue { state -> (Element?, Bool) in
                if !state.buffered.isEmpty { return (state.buffered.removeFirst(), true) }
                if state.expired.remove(id) != nil { return (nil, true) }
                state.waiter = (id, continuation)
                return (nil, false)
            }
            if ready.1 { continuation.resume(returning: ready.0) }
        }
    }

    /// Drops everything buffered.
    public func drain() { state.withLockedValue { $0.buffered.removeAll() } }

    private func expire(_ id: Int) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Element?, Never>? in
            guard let waiter = state.waiter, waiter.id == id else {
                state.expired.insert(id)
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume(returning: nil)
    }
}
