import NATWire

/// The rendezvous server's state and rules, without I/O: peers register under a nameplate,
/// the second one pairs them, and each later registration refreshes a peer's candidates and
/// is passed on to the other (docs/protocol.md, "Punch").
struct RendezvousBoard {
    /// One `natctl punch` run, as the server knows it.
    struct Peer: Equatable {
        var session: UInt64
        /// Where its registrations come from: its mapping towards the server.
        var address: TransportAddress
        var candidates: [PunchCandidate]
        var mapping: PunchMapping?
        var confirm: PunchConfirm
        var rttMilliseconds: UInt32
        var controlling: Bool
        /// When it last registered (ms); a run registers once a second while it waits.
        var lastSeen: Int64 = 0

        /// Its candidates plus the address the server sees, which is its server-reflexive one.
        var advertised: [PunchCandidate] {
            let reflexive = PunchCandidate(.serverReflexive, address)
            return candidates.contains(reflexive) ? candidates : candidates + [reflexive]
        }
    }

    struct Slot {
        var peers: [Peer] = []
        /// When both peers should send their first check, in the server's clock (ms).
        var startAt: Int64?
        var lastActivity: Int64

        /// Before a newcomer joins: peers that stopped registering are gone, and a slot whose
        /// pair has both gone silent (done, or dead) starts over.
        mutating func forgetSilentPeers(now: Int64, lifetime: Int64) {
            let live = peers.filter { now - $0.lastSeen < lifetime }
            guard live.count < peers.count else { return }
            peers = live
            startAt = nil
        }
    }

    /// What the server tells one peer: the schedule, and once paired the other peer.
    struct Answer: Equatable {
        var to: TransportAddress
        var schedule: PunchSchedule
        var peer: Peer?
    }

    enum Outcome: Equatable {
        /// A success response for the registering peer, and perhaps an indication for the other.
        case answered(Answer, push: Answer?)
        /// An error response.
        case refused(code: Int, reason: String)
    }

    /// Slots idle this long are forgotten (ms).
    var slotLifetime: Int64 = 120_000
    /// A peer silent this long is gone (ms): it stopped without saying so (killed, or its
    /// network went away), so a newcomer takes its place instead of pairing with it.
    var peerLifetime: Int64 = 5_000
    /// At most this many nameplates at once; beyond it the oldest idle slot goes.
    var maximumSlots = 4096
    /// At most this many nameplates held by one source IP, so one host cannot fill the board.
    var maximumSlotsPerIP = 16
    /// Added to half the slower peer's RTT, so a start message that arrives a little late
    /// still leaves time to start together (ms).
    var startMargin: Int64 = 20
    private(set) var slots: [String: Slot] = [:]

    /// Registers (or refreshes) `peer` under `nameplate` at time `now` (ms).
    mutating func register(_ peer: Peer, nameplate: String, now: Int64) -> Outcome {
        expire(now: now)
        var slot = slots[nameplate] ?? Slot(lastActivity: now)
        slot.lastActivity = now
        var registering = peer
        registering.lastSeen = now
        var changed = true
        if !slot.peers.contains(where: { $0.session == peer.session }) {
            slot.forgetSilentPeers(now: now, lifetime: peerLifetime)
        }
        if let index = slot.peers.firstIndex(where: { $0.session == peer.session }) {
            registering.controlling = slot.peers[index].controlling
            changed = slot.peers[index].advertised != registering.advertised
            slot.peers[index] = registering
        } else {
            guard slot.peers.count < 2 else {
                return .refused(code: 409, reason: "nameplate \(nameplate) is in use by two peers already; choose another code")
            }
            if slots[nameplate] == nil {
                let held = slots.values.count { slot in slot.peers.contains { $0.address.ip == peer.address.ip } }
                guard held < maximumSlotsPerIP else {
                    return .refused(code: 429, reason: "\(peer.address.ip) holds \(held) nameplates already; finish or stop those runs")
                }
                if slots.count >= maximumSlots, let oldest = slots.min(by: { $0.value.lastActivity < $1.value.lastActivity }) {
                    slots[oldest.key] = nil
                }
            }
            registering.controlling = slot.peers.isEmpty
            slot.peers.append(registering)
        }
        if slot.peers.count == 2, slot.startAt == nil {
            let slower = Int64(slot.peers.map(\.rttMilliseconds).max() ?? 0)
            slot.startAt = now + slower / 2 + startMargin
        }
        slots[nameplate] = slot
        guard slot.peers.count == 2, let index = slot.peers.firstIndex(where: { $0.session == peer.session }) else {
            return .answered(Answer(to: peer.address, schedule: PunchSchedule(.waiting, controlling: registering.controlling)), push: nil)
        }
        let other = slot.peers[1 - index]
        let answer = answer(for: slot.peers[index], other: other, slot: slot, now: now)
        // The waiting peer hears about the newcomer at once, and later about any change of candidates.
        let push = changed ? self.answer(for: other, other: slot.peers[index], slot: slot, now: now) : nil
        return .answered(answer, push: push)
    }

    private func answer(for peer: Peer, other: Peer, slot: Slot, now: Int64) -> Answer {
        let startIn = max(0, (slot.startAt ?? now) - now - Int64(peer.rttMilliseconds) / 2)
        return Answer(
            to: peer.address, schedule: PunchSchedule(.paired, controlling: peer.controlling, startInMilliseconds: UInt32(startIn)),
            peer: other)
    }

    /// Removes `session` from `nameplate` when the request comes from where it registered.
    mutating func leave(session: UInt64, nameplate: String, from address: TransportAddress, now: Int64) {
        guard var slot = slots[nameplate], let index = slot.peers.firstIndex(where: { $0.session == session && $0.address == address })
        else { return }
        slot.peers.remove(at: index)
        slot.startAt = nil
        slot.lastActivity = now
        slots[nameplate] = slot.peers.isEmpty ? nil : slot
    }

    /// Forgets idle slots. The whole pass runs at most once per second, so its cost (the board
    /// holds at most `maximumSlots`) is bounded however fast requests come.
    private mutating func expire(now: Int64) {
        guard now - lastExpiry >= 1000 else { return }
        lastExpiry = now
        slots = slots.filter { now - $0.value.lastActivity < slotLifetime }
    }
    private var lastExpiry: Int64 = .min / 2
}
