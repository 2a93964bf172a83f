import NATWire
import Testing

@testable import NATCore

/// Two checklists wired to each other in memory: the ICE logic without sockets.
@Suite struct PunchChecklistTests {
    static let addressA = TransportAddress("203.0.113.11:4000")!
    static let addressB = TransportAddress("203.0.113.12:5000")!
    static let key = PunchCode("12-amber-falcon-river")!.checkKey

    /// Runs both until `limit` ms, delivering every datagram at once unless `drop` says no.
    static func run(
        _ a: inout PunchChecklist, _ b: inout PunchChecklist, until limit: Int64, drop: (PunchOutgoing, Int64) -> Bool = { _, _ in false }
    ) {
        var queue: [(to: Character, out: PunchOutgoing)] = []
        for now in stride(from: Int64(0), through: limit, by: 5) {
            queue += a.due(now: now, limit: 8).map { ("b", $0) } + b.due(now: now, limit: 8).map { ("a", $0) }
            while !queue.isEmpty {
                let (to, out) = queue.removeFirst()
                if drop(out, now) { continue }
                if to == "a" {
                    queue += a.receive(out.bytes, on: .socket(0), from: addressB, now: now).map { ("b", $0) }
                } else {
                    queue += b.receive(out.bytes, on: .socket(0), from: addressA, now: now).map { ("a", $0) }
                }
            }
        }
    }

    static func pair(controllingA: Bool = true, controllingB: Bool = false, keyB: STUNIntegrityKey = key) -> (PunchChecklist, PunchChecklist) {
        var a = PunchChecklist(key: key, controlling: controllingA, tieBreaker: 2, relayNominationAt: 1000, upgradeUntil: 0)
        var b = PunchChecklist(key: keyB, controlling: controllingB, tieBreaker: 1, relayNominationAt: 1000, upgradeUntil: 0)
        a.add(CandidatePair(base: .socket(0), remote: addressB, remoteKind: .serverReflexive), startAt: 0, stopsAt: 5000)
        b.add(CandidatePair(base: .socket(0), remote: addressA, remoteKind: .serverReflexive), startAt: 0, stopsAt: 5000)
        return (a, b)
    }

    /// Like `run`, but every datagram takes `oneWay` ms to arrive.
    static func runDelayed(_ a: inout PunchChecklist, _ b: inout PunchChecklist, oneWay: Int64, until limit: Int64) {
        var inFlight: [(at: Int64, to: Character, out: PunchOutgoing)] = []
        for now in stride(from: Int64(0), through: limit, by: 5) {
            inFlight += a.due(now: now, limit: 8).map { (now + oneWay, "b", $0) } + b.due(now: now, limit: 8).map { (now + oneWay, "a", $0) }
            while let index = inFlight.firstIndex(where: { $0.at <= now }) {
                let (_, to, out) = inFlight.remove(at: index)
                if to == "a" {
                    inFlight += a.receive(out.bytes, on: .socket(0), from: addressB, now: now).map { (now + oneWay, "b", $0) }
                } else {
                    inFlight += b.receive(out.bytes, on: .socket(0), from: addressA, now: now).map { (now + oneWay, "a", $0) }
                }
            }
        }
    }

    /// Aggressive nomination: with a 200 ms round trip, both sides select the direct pair about
    /// one round trip after the start (the goal is two at most), and each knows the pair's RTT.
    @Test func bothSidesSelectWithinOneRoundTripAndKnowItsRTT() {
        var (a, b) = Self.pair()
        Self.runDelayed(&a, &b, oneWay: 100, until: 1000)
        let selectedAt = [a.selectedAt, b.selectedAt].compactMap { $0 }
        #expect(selectedAt.count == 2 && selectedAt.allSatisfy { $0 <= 210 }, "selected at \(selectedAt) ms")
        #expect(a.selectedRTT == 200 && b.selectedRTT == 200, "RTT \(String(describing: a.selectedRTT)), \(String(describing: b.selectedRTT))")
        #expect(a.selected?.remote == Self.addressB && b.selected?.remote == Self.addressA)
    }

    /// Many-ports: the controlled side only primed its NAT towards the peer (no check of its
    /// own), and the controlling side's nominated checks come in on that route. The controlled
    /// side must check the route itself (a triggered check) and select it: otherwise the
    /// controlling side alone selects, and the proof fails.
    @Test func aRouteThePeerCameInOnIsCheckedAndSelected() {
        var a = PunchChecklist(key: Self.key, controlling: true, tieBreaker: 2, relayNominationAt: 5000, upgradeUntil: 0)
        var b = PunchChecklist(key: Self.key, controlling: false, tieBreaker: 1, relayNominationAt: 5000, upgradeUntil: 0)
        a.add(CandidatePair(base: .socket(0), remote: Self.addressB, remoteKind: .serverReflexive), startAt: 0, stopsAt: 5000)
        // a's first checks are lost; they get through from 50 ms on.
        Self.run(&a, &b, until: 1000) { _, now in now < 50 }
        #expect(b.selected?.remote == Self.addressA, "the controlled side selected the route the peer came in on")
        #expect(a.selected?.remote == Self.addressB)
        #expect(b.selectedRTT != nil)
    }

    @Test func bothSidesSelectTheSamePathAndStopChecking() {
        var (a, b) = Self.pair()
        Self.run(&a, &b, until: 400)
        #expect(a.selected?.remote == Self.addressB && b.selected?.remote == Self.addressA)
        #expect(a.selected?.path == .directReflexive)
        let sent = a.checksSent + b.checksSent
        Self.run(&a, &b, until: 400)
        #expect(a.checksSent + b.checksSent == sent, "no checks once connected")
    }

    /// The first checks die at the peer's NAT until the peer has sent its own: retransmission gets through.
    @Test func retransmissionOutlastsEarlyDrops() {
        var (a, b) = Self.pair()
        Self.run(&a, &b, until: 2000) { _, now in now < 300 }
        #expect(a.isConnected && b.isConnected)
    }

    @Test func aWrongKeyNeverConnectsAndIsCounted() {
        var (a, b) = Self.pair(keyB: PunchCode("12-amber-falcon-rivet")!.checkKey)
        Self.run(&a, &b, until: 1000)
        #expect(!a.isConnected && !b.isConnected)
        #expect(a.authenticationFailures > 0 && b.authenticationFailures > 0)
    }

    /// Serverless mode starts both sides controlling; the larger tie-breaker keeps the role.
    @Test func roleConflictResolvesToOneControllingSide() {
        var (a, b) = Self.pair(controllingA: true, controllingB: true)
        Self.run(&a, &b, until: 1000)
        #expect(a.controlling && !b.controlling)
        #expect(a.isConnected && b.isConnected)
    }

    @Test func relayedPairsWaitForTheirTurnAndDirectUpgradesThem() {
        var a = PunchChecklist(key: Self.key, controlling: true, tieBreaker: 2, relayNominationAt: 500, upgradeUntil: 5000)
        var b = PunchChecklist(key: Self.key, controlling: false, tieBreaker: 1, relayNominationAt: 500, upgradeUntil: 5000)
        a.add(CandidatePair(base: .socket(0), remote: Self.addressB, remoteKind: .relayed), startAt: 0, stopsAt: 5000)
        b.add(CandidatePair(base: .socket(0), remote: Self.addressA, remoteKind: .relayed), startAt: 0, stopsAt: 5000)
        Self.run(&a, &b, until: 400)
        #expect(!a.isConnected, "a relayed pair is not nominated before relayNominationAt")
        Self.run(&a, &b, until: 700)
        #expect(a.selected?.path == .relayed && b.selected?.path == .relayed)
        a.add(CandidatePair(base: .socket(1), remote: Self.addressB, remoteKind: .host), startAt: 0, stopsAt: 5000)
        Self.run(&a, &b, until: 700)
        #expect(a.selected?.path == .directHost && a.upgraded)
    }
}

/// The strategy table and the mapping judge, both pure.
@Suite struct PunchStrategyTests {
    @Test func strategiesFollowTheMappingHints() {
        typealias B = PunchMapping.Behaviour
        let table: [(B, B, PunchStrategy)] = [
            (.endpointIndependent, .endpointIndependent, .simultaneousOpen), (.unknown, .endpointIndependent, .simultaneousOpen),
            (.sequential, .endpointIndependent, .portPrediction), (.sequential, .sequential, .portPrediction),
            (.random, .endpointIndependent, .manyPorts), (.endpointIndependent, .random, .manyPorts),
            (.random, .random, .relay), (.random, .sequential, .relay),
        ]
        for (local, peer, expected) in table {
            #expect(PunchStrategy.choose(local: local, peer: peer, maxProbes: 1500) == expected, "\(local) x \(peer)")
        }
        #expect(PunchStrategy.choose(local: .random, peer: .endpointIndependent, maxProbes: 0) == .relay)
        #expect(ManyPortsPlan(probes: 1500).successChance > 0.99)
    }

    @Test func mappingJudgeTellsIndependentSequentialAndRandom() {
        let first = TransportAddress("203.0.113.11:50000")!
        #expect(MappingHint.judge(first: first, second: first, local: false).0 == PunchMapping(.endpointIndependent))
        let sequential = MappingHint.judge(first: first, second: TransportAddress("203.0.113.11:50001")!, local: false)
        #expect(sequential.0 == PunchMapping(.sequential, step: 1) && sequential.1 == TransportAddress("203.0.113.11:50002"))
        #expect(MappingHint.judge(first: first, second: TransportAddress("203.0.113.11:61234")!, local: false).0 == PunchMapping(.random))
        #expect(MappingHint.judge(first: first, second: nil, local: false).0 == PunchMapping(.unknown))
        #expect(MappingHint.judge(first: first, second: nil, local: true).0 == PunchMapping(.endpointIndependent))
    }
}
