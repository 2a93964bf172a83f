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
        guard case .answered(let first, let none) = board.register(Self.peer(1, "203.0.113.11:4000", rtt: 40), nameplate: "12", now: 0) else {
            Issue.record("first registration refused")
            return
        }
        #expect(first.schedule.status == .waiting && first.schedule.controlling && none == nil)
        guard case .answered(let second, let push) = board.register(Self.peer(2, "203.0.113.12:5000", rtt: 100), nameplate: "12", now: 500) else {
            Issue.record("second registration refused")
            return
        }
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

    @Test func aThirdPeerIsRefusedAndOthersNameplatesAreApart() {
        var board = RendezvousBoard()
        _ = board.register(Self.peer(1, "203.0.113.11:4000", rtt: 10), nameplate: "12", now: 0)
        _ = board.register(Self.peer(2, "203.0.113.12:4000", rtt: 10), nameplate: "12", now: 1)
        #expect(board.register(Self.peer(3, "203.0.113.13:4000", rtt: 10), nameplate: "12", now: 2) == .refused(
            code: 409, reason: "nameplate 12 is in use by two peers already; choose another code"))
        guard case .answered(let other, _) = board.register(Self.peer(3, "203.0.113.13:4000", rtt: 10), nameplate: "13", now: 3) else {
            Issue.record("another nameplate refused")
            return
        }
        #expect(other.schedule.status == .waiting)
    }

    @Test func newCandidatesArePushedAndRolesStay() throws {
        var board = RendezvousBoard()
        _ = board.register(Self.peer(1, "203.0.113.11:4000", rtt: 10), nameplate: "12", now: 0)
        _ = board.register(Self.peer(2, "203.0.113.12:4000", rtt: 10), nameplate: "12", now: 1)
        guard case .answered(_, let quiet) = board.register(Self.peer(2, "203.0.113.12:4000", rtt: 10), nameplate: "12", now: 900) else { return }
        #expect(quiet == nil, "a poll that changes nothing is not pushed")
        let relay = PunchCandidate(.relayed, TransportAddress("203.0.113.1:50000")!)
        guard case .answered(let answer, let push) = board.register(Self.peer(2, "203.0.113.12:4000", rtt: 10, candidates: [relay]), nameplate: "12", now: 1000)
        else { return }
        #expect(!answer.schedule.controlling)
        #expect(try #require(push).peer?.candidates == [relay])
    }

    @Test func idleSlotsExpire() {
        var board = RendezvousBoard()
        _ = board.register(Self.peer(1, "203.0.113.11:4000", rtt: 10), nameplate: "12", now: 0)
        _ = board.register(Self.peer(9, "203.0.113.19:4000", rtt: 10), nameplate: "99", now: board.slotLifetime + 1)
        #expect(board.slots["12"] == nil && board.slots["99"] != nil)
    }
}
