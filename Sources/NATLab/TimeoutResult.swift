import NATCore
import NATWire

/// The udp-timeout part of `lab verify`: a mapping left idle for the timeout plus one second
/// must be gone (the server's answer to it no longer reaches the host), while one idle half a
/// second must not. Only short timeouts are tested, so `verify` stays quick.
public struct TimeoutResult: Encodable, Sendable {
    /// The longest timeout `verify` waits out, in seconds.
    public static let longestProven = 10

    /// The site's udp-timeout in seconds; null: the kernel's 30 s (120 s once both ways).
    @Nullable public var seconds: Int?
    /// How long the idle test left a mapping idle, in seconds; null when not tested.
    @Nullable public var idleSeconds: Int?
    /// Whether the server's answer still reached a mapping idle 0.5 s (the control).
    @Nullable public var aliveAfterControl: Bool?
    /// Whether it still reached one idle `idle_seconds`; false is the proof.
    @Nullable public var aliveAfterIdle: Bool?
    /// Whether the timeout was proven; null when not tested (see `note`).
    @Nullable public var proven: Bool?
    /// Why it was not tested, or not proven.
    @Nullable public var note: String?

    enum CodingKeys: String, CodingKey { case timeoutMs, idleMs, aliveAfterControl, aliveAfterIdle, proven, note }

    /// Durations in milliseconds (`timeout_ms`, `idle_ms`), every key present.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seconds.map { $0 * 1000 }, forKey: .timeoutMs)
        try container.encode(idleSeconds.map { $0 * 1000 }, forKey: .idleMs)
        try container.encode(aliveAfterControl, forKey: .aliveAfterControl)
        try container.encode(aliveAfterIdle, forKey: .aliveAfterIdle)
        try container.encode(proven, forKey: .proven)
        try container.encode(note, forKey: .note)
    }

    /// What to test on `site`, before any packet.
    static func plan(_ site: LabState.Site) -> TimeoutResult {
        guard site.expectsUdp else { return TimeoutResult(seconds: site.udpTimeoutSeconds, note: "no UDP to time out") }
        guard let seconds = site.udpTimeoutSeconds else {
            return TimeoutResult(note: "no udp-timeout: the kernel's 30 s (120 s once both ways) is longer than verify waits")
        }
        guard seconds <= longestProven else {
            return TimeoutResult(seconds: seconds, note: "udp-timeout=\(seconds) is longer than the \(longestProven) s verify waits; not proven")
        }
        return TimeoutResult(seconds: seconds, idleSeconds: seconds + 1)
    }

    /// This plan judged against one family's observation.
    func judged(_ observation: LabVerification.Observation, udp: Bool) -> TimeoutResult {
        guard idleSeconds != nil, udp else { return self }
        var result = self
        result.aliveAfterControl = observation.aliveAfterControl
        result.aliveAfterIdle = observation.aliveAfterIdle
        switch (observation.aliveAfterControl, observation.aliveAfterIdle) {
        case (true, false):
            result.proven = true
        case (true, true):
            result.proven = false
            result.note = "a mapping idle \(idleSeconds ?? 0) s still let the server's answer in"
        default:
            result.proven = false
            result.note = "the control mapping (idle 0.5 s) got no answer: the path or the server's RESPONSE-PORT failed"
        }
        return result
    }
}
