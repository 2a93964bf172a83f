import NATServer
import NATWire
import Testing

/// Per-source token buckets: a burst, a steady rate, sources apart, and a table that stays
/// bounded whatever the sources.
@Suite struct SourceRateLimiterTests {
    static func ip(_ n: Int) -> IPAddress { IPAddress("10.\(n >> 16 & 255).\(n >> 8 & 255).\(n & 255)")! }

    @Test func aBurstThenTheSteadyRate() {
        var limiter = SourceRateLimiter(perSecond: 10, burst: 20)
        let source = Self.ip(1)
        let burst = (0..<25).filter { _ in limiter.allow(source, now: 0) }.count
        #expect(burst == 20)
        // One second later, ten more tokens (and no more).
        let next = (0..<15).filter { _ in limiter.allow(source, now: 1) }.count
        #expect(next == 10)
        let other = limiter.allow(Self.ip(2), now: 1)
        #expect(other, "another source has its own bucket")
    }

    @Test func refilledBucketsAreRetiredAsTrafficFlows() {
        var limiter = SourceRateLimiter(perSecond: 10, burst: 20)
        for n in 0..<1000 { _ = limiter.allow(Self.ip(n), now: 0) }
        #expect(limiter.trackedSources == 1000)
        // Two seconds later every bucket has refilled; each call retires up to two.
        for n in 0..<600 { _ = limiter.allow(Self.ip(5000 + n % 3), now: 2 + Double(n) / 1000) }
        #expect(limiter.trackedSources <= 3 + 1000 - 2 * 600 + 600, "refilled buckets go two per call")
        #expect(limiter.trackedSources < 200)
    }

    @Test func aSpoofedFloodCannotGrowTheTablePastItsCap() {
        var limiter = SourceRateLimiter(perSecond: 1, burst: 2, maximumSources: 500)
        for n in 0..<20_000 { _ = limiter.allow(Self.ip(n), now: Double(n) / 100_000) }
        #expect(limiter.trackedSources <= 500)
        // A legitimate source still gets answers in the middle of the flood.
        let legitimate = limiter.allow(IPAddress("198.51.100.7")!, now: 0.3)
        #expect(legitimate)
    }
}
