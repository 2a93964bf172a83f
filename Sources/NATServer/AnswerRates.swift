import NATWire

/// How many unauthenticated answers one source IP gets (`relay serve --stun-rate`,
/// `--rendezvous-rate`, `--dial-back-rate`). Beyond these, requests are dropped (Binding,
/// TURN challenges, rendezvous) or refused with 429 (dial-back, whose refusal is small),
/// so a spoofed source cannot aim a stream of answers at a victim (docs/protocol.md).
public struct AnswerRates: Sendable, Equatable {
    /// Binding answers and TURN answers sent before authentication, per second per source IP;
    /// a quiet source may get twice as many at once (`classify` sends ~30 in its first 100 ms).
    public var stunPerSecond: Double = 50
    /// Rendezvous answers per second per source IP (a punch registers once a second).
    public var rendezvousPerSecond: Double = 10
    /// Dial-back requests carried out per second per source IP, after a burst of 5.
    public var dialBackPerSecond: Double = 0.5

    public init() {}

    func stunLimiter() -> SourceRateLimiter { SourceRateLimiter(perSecond: stunPerSecond, burst: max(2 * stunPerSecond, 1)) }
    func rendezvousLimiter() -> SourceRateLimiter {
        SourceRateLimiter(perSecond: rendezvousPerSecond, burst: max(2 * rendezvousPerSecond, 1))
    }
    func dialBackPolicy() -> DialBackPolicy { DialBackPolicy(perSecond: dialBackPerSecond, burst: max(5, 2 * dialBackPerSecond)) }
}
