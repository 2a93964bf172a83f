import NIOCore

extension Duration {
    /// The NIO equivalent, for scheduling on an event loop.
    public var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// Whole milliseconds, rounded down.
    public var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// Milliseconds with microsecond resolution, for reports.
    public var millisecondsDouble: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds / 1_000_000_000_000) / 1000
    }
}

extension TimeAmount {
    public var duration: Duration { .nanoseconds(nanoseconds) }
}
