import Foundation
import NATWire

/// Round trips, loss and pacing. Each server has its own round trip (a far server must not be
/// paced, or declared silent, at a near one's speed), and loss is counted only from copies sent
/// once an answer had come back from their destination IP: copies sent before that may just
/// have been slow (ARP across a slow link, a radio waking up), not lost.
extension ClassifierMachine {
    /// The round trip to server `server` for pacing and waits; nil before it answered. The
    /// largest clean sample (an answer to a request sent once) when there is one, covering
    /// jitter; otherwise the median time from first send to answer, an overestimate by one gap
    /// per lost copy.
    func roundTrip(toServer server: Int) -> Duration? {
        if let clean = cleanRoundTrip(toServer: server) { return clean }
        let bounds = requests.filter { $0.server == server && $0.test.measuresRoundTrip }.compactMap(\.roundTripBound).sorted()
        return bounds.isEmpty ? nil : bounds[bounds.count / 2]
    }

    /// The largest round trip to `server` measured without ambiguity: an answer to a request sent once.
    func cleanRoundTrip(toServer server: Int) -> Duration? {
        requests.filter { $0.server == server && $0.transmissions == 1 && $0.test.measuresRoundTrip }.compactMap(\.roundTripBound).max()
    }

    /// The slowest known server's round trip: the pace for requests that have no server's own
    /// (the hairpin test) or whose server has not answered yet. Nil before any answer.
    var slowestRoundTrip: Duration? {
        configuration.servers.indices.compactMap { roundTrip(toServer: $0) }.max()
    }

    /// When the first answer to a request for `ip` arrived: copies sent there before it were
    /// sent blind (the path to a new IP may need ARP first, even on a server that answered).
    func firstAnswer(to ip: IPAddress) -> Duration? {
        requests.filter { $0.destination.ip == ip && $0.test.measuresRoundTrip }.compactMap(\.answer?.at).min()
    }

    /// Round-trip loss seen so far: copies of answered requests, sent after their destination had
    /// answered once and more than a round trip and half a gap before their answer, had their
    /// chance and were lost.
    var lossCounts: (lost: Int, answered: Int) {
        var lost = 0
        var answered = 0
        for request in requests where request.test.measuresRoundTrip {
            guard let answer = request.answer else { continue }
            let server = request.server
            answered += 1
            guard let rtt = roundTrip(toServer: server), let measuredFrom = firstAnswer(to: request.destination.ip) else { continue }
            // Halfway between "answered late" and "the next copy's answer": later than its round
            // trip plus half a gap, the answer cannot be to this copy unless the path jittered by
            // half a gap (at least 5 ms), so the copy was lost.
            let expected = rtt + configuration.pacing.gap(rtt) / 2
            lost += request.sendTimes.filter { $0 >= measuredFrom && answer.at - $0 > expected }.count
        }
        return (lost, answered)
    }

    /// Loss for confidence and pacing, pulled toward 0.5 when there are few samples so a short
    /// lucky run does not claim zero loss.
    var smoothedLoss: Double {
        let (lost, answered) = lossCounts
        return min(max((Double(lost) + 0.5) / Double(lost + answered + 1), 0.01), 0.99)
    }

    /// Copies to send before a missing answer counts: the configured number, raised when loss is
    /// high so that an answer lost every time stays below a 1-in-10,000 chance (at most 12).
    var requiredTransmissions: Int {
        let (lost, _) = lossCounts
        guard lost > 0 else { return configuration.transmissions }
        let needed = Int((log(1e-4) / log(smoothedLoss)).rounded(.up))
        return max(configuration.transmissions, min(needed, 12))
    }

    /// The round trip that spaces copies to `server`: the clean sample when there is one; else
    /// somewhere between the upper bound (first send to answer) and the lower bound (last copy
    /// sent before the answer to the answer): an answer to a retransmitted request may be to its
    /// first copy, held up on the way (address resolution), so the upper bound alone would space
    /// the next copies as if every round trip were that slow. Waits still use `roundTrip`.
    func spacingRoundTrip(toServer server: Int) -> Duration? {
        if let clean = cleanRoundTrip(toServer: server) { return clean }
        guard let upper = roundTrip(toServer: server) else { return nil }
        let lower = requests.filter { $0.server == server && $0.test.measuresRoundTrip }.compactMap { request in
            request.answer.flatMap { answer in request.sendTimes.last { $0 <= answer.at }.map { answer.at - $0 } }
        }.min() ?? upper
        return max(lower, upper / 2)
    }

    /// Before any answer: copies 100, 100, 200 and 400 ms apart (blind, but quick enough that a
    /// first exchange slowed by address resolution finds most copies already sent). After: half
    /// the spacing round trip of the request's server (else of the slowest server known).
    func nextSend(_ request: ClassifierRequest) -> Duration {
        guard let last = request.sendTimes.last else { return .zero }
        guard let rtt = spacingRoundTrip(toServer: request.server) ?? slowestRoundTrip else {
            return last + configuration.initialInterval * (1 << max(0, min(request.transmissions - 2, 2)))
        }
        return last + configuration.pacing.gap(rtt)
    }

    /// A server that has answered gets twice its round trip; one that has not (perhaps just far
    /// away) gets the unknown-round-trip wait, whatever the other servers' speed.
    func giveUpTime(_ request: ClassifierRequest) -> Duration {
        let last = request.sendTimes.last ?? .zero
        guard let rtt = roundTrip(toServer: request.server) else { return last + configuration.unknownRTTWait }
        return last + configuration.pacing.answerWait(rtt)
    }
}
