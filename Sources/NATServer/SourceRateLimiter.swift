import NATNIO
import NATWire
import NIOConcurrencyHelpers

/// Token buckets per source IP: how many unauthenticated answers (Binding, dial-back,
/// rendezvous, TURN challenges) one IP gets, so a spoofed source cannot aim the server's
/// answers at a victim faster than `perSecond` after a first `burst`.
///
/// The table is bounded whatever the sources: a bucket that has refilled is worth nothing
/// (a new one would be the same), so each call retires up to two such buckets from the front
/// of an insertion-ordered queue (amortised O(1), no pass over the table), and beyond
/// `maximumSources` the oldest bucket goes. No I/O and no clock of its own: `now` is seconds
/// on any monotonic clock, so tests drive it as a plain value.
public struct SourceRateLimiter: Sendable {
    /// Answers per second per source IP, after the burst.
    public var perSecond: Double
    /// Answers a quiet source may get at once.
    public var burst: Double
    /// Most sources tracked at once (about 80 bytes each).
    public var maximumSources: Int

    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    private var buckets: [IPAddress: Bucket] = [:]
    /// Source IPs in the order their buckets were made; `head` is the next one to look at.
    private var queue: [IPAddress] = []
    private var head = 0

    public init(perSecond: Double, burst: Double, maximumSources: Int = 65_536) {
        self.perSecond = max(perSecond, 0.001)
        self.burst = max(burst, 1)
        self.maximumSources = max(maximumSources, 1)
    }

    /// How many sources are tracked now.
    public var trackedSources: Int { buckets.count }

    /// Spends one token of `source`'s bucket at `now`; false when it has none left. IPv6
    /// sources share one bucket per /64 (`IPAddress.subscriber`).
    public mutating func allow(_ address: IPAddress, now: Double) -> Bool {
        let source = address.subscriber
        retireRefilled(now: now, upTo: 2)
        var bucket: Bucket
        if let existing = buckets[source] {
            bucket = existing
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * perSecond)
        } else {
            if buckets.count >= maximumSources { retireOldest() }
            bucket = Bucket(tokens: burst, updated: now)
            queue.append(source)
        }
        bucket.updated = now
        let allowed = bucket.tokens >= 1
        if allowed { bucket.tokens -= 1 }
        buckets[source] = bucket
        return allowed
    }

    /// Looks at up to `count` buckets at the front of the queue: refilled ones are dropped,
    /// others go to the back (they are looked at again after every younger one).
    private mutating func retireRefilled(now: Double, upTo count: Int) {
        for _ in 0..<min(count, queue.count - head) {
            let source = queue[head]
            head += 1
            if let bucket = buckets[source], bucket.tokens + (now - bucket.updated) * perSecond < burst {
                queue.append(source)
            } else {
                buckets[source] = nil
            }
        }
        compact()
    }

    private mutating func retireOldest() {
        guard head < queue.count else { return }
        buckets[queue[head]] = nil
        head += 1
        compact()
    }

    /// Drops the consumed front of the queue once it is most of the array.
    private mutating func compact() {
        if head > 1024 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
    }
}

/// A `SourceRateLimiter` shared by the server's sockets and services, on the monotonic clock.
final class AnswerGate: Sendable {
    private let limiter: NIOLockedValueBox<SourceRateLimiter>
    private let started = ContinuousClock.now

    init(_ limiter: SourceRateLimiter) { self.limiter = NIOLockedValueBox(limiter) }

    /// Whether `source` may get one more answer now.
    func allow(_ source: IPAddress) -> Bool {
        let now = (ContinuousClock.now - started).millisecondsDouble / 1000
        return limiter.withLockedValue { $0.allow(source, now: now) }
    }
}
