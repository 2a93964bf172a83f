import NATWire
import Testing

@testable import NATServer

/// The rendezvous rules: the first peer waits, the second pairs them with roles and one start
/// time, a third is refused, and news about candidates reaches the other peer.
@Suite struct RendezvousBoardTests {
    static func peer(_ session: UInt64, _ address: String, rtt: UInt32, candidates: [PunchCandidate] = []) -> RendezvousBoard.Peer {
        RendezvousBoard.Peer(
            session: session, address: TransportAddress(address)!, candidates: candidates, mapping: PunchMapping(.endpointIndependent),
            confirm: PunchConfirm([1, 2, 3, 4, 5, 6, 7, 8]), rttMilliseconds: rtt, controlling: false)
    }

    @Test func secondPeerPairsBothWithOneStartTime() throws {
        var board = RendezvousBoard()
        let (first, none) = try #require(board.register(Self.peer(1, "203.0.113.11:4000", rtt: 40), nameplate: "12", now: 0).answered)
        #expect(first.schedule.status == .waiting && first.schedule.controlling && none == nil)
        let (second, push) = try #require(board.register(Self.peer(2, "203.0.113.12:5000", rtt: 100), nameplate: "12", now: 500).answered)
        let toFirst = try #require(push)
        #expect(second.schedule.status == .paired && !second.schedule.controlling)
        #expect(toFirst.schedule.status == .paired && toFirst.schedule.controlling)
        #expect(toFirst.to == TransportAddress("203.0.113.11:4000"))
        // Start at now + slower RTT/2 + margin = 570; each start-in subtracts its own half RTT.
        #expect(second.schedule.startInMilliseconds == 70 - 50)
        #expect(toFirst.schedule.startInMilliseconds == 70 - 20)
        // Each learns the other's reflexive address from where its registrations came from.
        #expect(second.peer?.advertised.contains(PunchCandidate(.serverReflexive, TransportAddress("203.0.113.11:4000")!)) == true)
    }

    @Test func aThirdPeerIsRefusedAndOthersNameplatesAreApart() throws {
        var board = RendezvousBoard()
        _ = board.register(Self.peer(1, "203.0.113.11:4000", rtt: 10), nameplate: "12", now: 0)
        _ = board.register(Self.peer(2, "203.0.113.12:4000", rtt: 10), nameplate: "12", now: 1)
        #expect(board.register(Self.peer(3, "203.0.113.13:4000", rtt: 10), nameplate: "12", now: 2) == .refused(
            code: 409, reason: "nameplate 12 is in use by two peers already; choose another code"))
        let (other, _) = try #require(board.register(Self.peer(3, "203.0.113.13:4000", rtt: 10), nameplate: "13", now: 3).answered)
        #expect(other.schedule.status == .waiting)
    }

    @Test func newCandidatesArePushedAndRolesStay() throws {
        var board = RendezvousBoard()
        _ = board.register(Self.peer(1, "203.0.113.11:4000", rtt: 10), nameplate: "12", now: 0)
        _ = board.register(Self.peer(2, "203.0.113.12:4000", rtt: 10), nameplate: "12", now: 1)
        let (_, quiet) = try #require(board.register(Self.peer(2, "203.0.113.12:4000", rtt: 10), nameplate: "12", now: 900).answered)
        #expect(quiet == nil, "a poll that changes nothing is not pushed")
        let relay = PunchCandidate(.relayed, TransportAddress("203.0.113.1:50000")!)
        let (answer, push) = try #require(
            board.register(Self.peer(2, "203.0.113.12:4000", rtt: 10, candidates: [relay]), nameplate: "12", now: 1000).answered)
        #expect(!answer.schedule.controlling)
        #expect(try #require(push).peer?.candidates == [relay])
    }

    @Test func idleSlotsExpire() {
        var board = RendezvousBoard()
        _ = board.register(Self.peer(1, "203.0.113.11:4000", rtt: 10), nameplate: "12", now: 0)
        _ = board.register(Self.peer(9, "203.0.113.19:4000", rtt: 10), nameplate: "99", now: board.slotLifetime + 1)
        #expect(board.slots["12"] == nil && board.slots["99"] != nil)
    }

    @Test func aPeerThatLeftIsGoneBeforeTheNextOneArrives() throws {
        var board = RendezvousBoard()
        _ = board.register(Self.peer(1, "203.0.113.11:4000", rtt: 10), nameplate: "12", now: 0)
        board.leave(session: 1, nameplate: "12", from: TransportAddress("203.0.113.99:4000")!, now: 10)
        #expect(board.slots["12"]?.peers.count == 1, "only the address that registered may leave")
        board.leave(session: 1, nameplate: "12", from: TransportAddress("203.0.113.11:4000")!, now: 20)
        #expect(board.slots["12"] == nil)
        let (answer, push) = try #require(board.register(Self.peer(2, "203.0.113.12:4000", rtt: 10), nameplate: "12", now: 30).answered)
        #expect(answer.schedule.status == .waiting && answer.peer == nil && push == nil, "the newcomer waits instead of pairing with the dead one")
    }

    @Test func aSilentWaitingPeerIsReplacedNotPaired() throws {
        var board = RendezvousBoard()
        _ = board.register(Self.peer(1, "203.0.113.11:4000", rtt: 10), nameplate: "12", now: 0)
        // Still registering once a second: the newcomer pairs with it.
        let (live, _) = try #require(board.register(Self.peer(2, "203.0.113.12:4000", rtt: 10), nameplate: "12", now: board.peerLifetime - 1).answered)
        #expect(live.schedule.status == .paired)
        var later = RendezvousBoard()
        _ = later.register(Self.peer(1, "203.0.113.11:4000", rtt: 10), nameplate: "12", now: 0)
        let (alone, _) = try #require(later.register(Self.peer(2, "203.0.113.12:4000", rtt: 10), nameplate: "12", now: later.peerLifetime).answered)
        #expect(alone.schedule.status == .waiting && alone.schedule.controlling, "a run silent for the peer lifetime is gone")
        #expect(later.slots["12"]?.peers.map(\.session) == [2])
    }

    @Test func aPairThatWentSilentFreesItsNameplate() throws {
        var board = RendezvousBoard()
        _ = board.register(Self.peer(1, "203.0.113.11:4000", rtt: 10), nameplate: "12", now: 0)
        _ = board.register(Self.peer(2, "203.0.113.12:4000", rtt: 10), nameplate: "12", now: 1)
        let (third, _) = try #require(board.register(Self.peer(3, "203.0.113.13:4000", rtt: 10), nameplate: "12", now: board.peerLifetime + 1).answered)
        #expect(third.schedule.status == .waiting)
    }

    @Test func oneIPHoldsABoundedNumberOfNameplates() {
        var board = RendezvousBoard()
        for n in 0..<board.maximumSlotsPerIP {
            _ = board.register(Self.peer(UInt64(n + 1), "203.0.113.11:\(4000 + n)", rtt: 10), nameplate: "\(n)", now: Int64(n))
        }
        let refused = board.register(Self.peer(999, "203.0.113.11:9999", rtt: 10), nameplate: "x", now: 100)
        guard case .refused(let code, _) = refused else {
            Issue.record("the IP's \(board.maximumSlotsPerIP + 1)th nameplate was accepted")
            return
        }
        #expect(code == 429)
        let other = board.register(Self.peer(1000, "203.0.113.12:4000", rtt: 10), nameplate: "x", now: 101)
        #expect(other.answered != nil, "other IPs are not affected")
    }
}

extension RendezvousBoard.Outcome {
    /// The answer and push of an accepted registration; nil when refused.
    var answered: (RendezvousBoard.Answer, RendezvousBoard.Answer?)? {
        if case .answered(let answer, let push) = self { return (answer, push) }
        return nil
    }
}
