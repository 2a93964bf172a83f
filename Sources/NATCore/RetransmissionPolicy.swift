/// How a request is retransmitted over UDP (RFC 8489 §6.2.1): first after `rto`, then at
/// doubling intervals, `maxTransmissions` sends in all, then a last wait of
/// `finalWaitMultiplier × rto` before the transaction is declared lost.
///
/// RFC 8489's defaults (500 ms, 7, 16) give up only after 39.5 s; natctl's commands pass a
/// shorter policy derived from `--timeout` and also bound every transaction by a deadline.
public struct RetransmissionPolicy: Sendable, Hashable {
    public var rto: Duration
    public var maxTransmissions: Int
    public var finalWaitMultiplier: Int

    public init(rto: Duration = .milliseconds(500), maxTransmissions: Int = 7, finalWaitMultiplier: Int = 16) {
        self.rto = max(rto, .milliseconds(1))
        self.maxTransmissions = max(1, maxTransmissions)
        self.finalWaitMultiplier = max(1, finalWaitMultiplier)
    }

    /// RFC 8489's recommended values.
    public static let rfc8489 = RetransmissionPolicy()

    /// Offsets from the first send at which each transmission happens, and when the wait ends.
    public var schedule: (sends: [Duration], giveUp: Duration) {
        var sends: [Duration] = [.zero]
        var interval = rto
        while sends.count < maxTransmissions {
            sends.append(sends[sends.count - 1] + interval)
            interval *= 2
        }
        return (sends, sends[sends.count - 1] + rto * finalWaitMultiplier)
    }
}
