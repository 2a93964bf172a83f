import NATWire

/// A datagram the punch engine wants sent from one of its bases.
public struct PunchOutgoing: Sendable {
    public var base: PunchBase
    public var to: TransportAddress
    public var bytes: [UInt8]
}

/// ICE-style connectivity checks (RFC 8445 §6.1.4, §7) over candidate pairs, without I/O: time
/// (milliseconds since the session began) and received datagrams go in, datagrams to send and
/// the selected pair come out. Checks are STUN Binding requests signed with the code's key
/// (MESSAGE-INTEGRITY-SHA256); the controlling side nominates with USE-CANDIDATE.
///
/// Direct pairs are nominated aggressively (RFC 5245 §8.1.1.2): every direct check the
/// controlling side sends carries USE-CANDIDATE, so it selects a pair when its first check
/// succeeds, and the controlled side when a nominated pair has also passed its own check:
/// both sides within about one round trip of the synchronised start, each with the pair's RTT.
/// Relayed pairs (after `relayNominationAt`) and upgrades of a selected relayed path are
/// nominated the regular way, with a check of their own once they work.
struct PunchChecklist {
    struct Entry {
        var pair: CandidatePair
        var transmissions = 0
        var nextSendAt: Int64
        var stopsAt: Int64
        var succeeded = false
        var rttMilliseconds: Int64?
        var nominating = false
        /// The controlled side got USE-CANDIDATE on this pair; it selects it once its own check
        /// on the pair succeeds (a pair works both ways before data goes on it).
        var nominatedByPeer = false
    }

    private struct Route: Hashable {
        var base: PunchBase
        var remote: TransportAddress
    }

    let key: STUNIntegrityKey
    private(set) var controlling: Bool
    let tieBreaker: UInt64
    /// The first retransmission waits this long; later ones double it up to `maximumInterval`.
    var initialInterval: Int64 = 100
    var maximumInterval: Int64 = 500
    /// Relayed pairs may be nominated from this time on, so a direct path gets its chance first.
    var relayNominationAt: Int64
    /// Direct pairs may still win over a selected relayed pair until this time.
    var upgradeUntil: Int64

    private(set) var entries: [Entry] = []
    private var routes: [Route: Int] = [:]
    private var transactions: [TransactionID: (entry: Int, sentAt: Int64, nominating: Bool)] = [:]
    private var triggered: [Int] = []
    private(set) var selected: CandidatePair?
    private(set) var selectedAt: Int64?
    /// The selected pair's round-trip time from its checks (ms).
    private(set) var selectedRTT: Int64?
    /// Whether a direct pair replaced a selected relayed one.
    private(set) var upgraded = false
    private(set) var checksSent = 0
    /// Checks that failed integrity: the peer used another code, or someone else is talking.
    private(set) var authenticationFailures = 0

    init(key: STUNIntegrityKey, controlling: Bool, tieBreaker: UInt64, relayNominationAt: Int64, upgradeUntil: Int64) {
        self.key = key
        self.controlling = controlling
        self.tieBreaker = tieBreaker
        self.relayNominationAt = relayNominationAt
        self.upgradeUntil = upgradeUntil
    }

    var isConnected: Bool { selected != nil }

    /// Adds a pair to check from `startAt` until `stopsAt`; an existing route keeps its state.
    mutating func add(_ pair: CandidatePair, startAt: Int64, stopsAt: Int64) {
        let route = Route(base: pair.base, remote: pair.remote)
        if let index = routes[route] {
            entries[index].stopsAt = max(entries[index].stopsAt, stopsAt)
            if entries[index].pair.remoteKind == nil { entries[index].pair.remoteKind = pair.remoteKind }
            return
        }
        routes[route] = entries.count
        entries.append(Entry(pair: pair, nextSendAt: startAt, stopsAt: stopsAt))
    }

    /// Up to `limit` checks due at `now`: triggered checks first, then pairs in the order added.
    mutating func due(now: Int64, limit: Int) -> [PunchOutgoing] {
        nominateIfReady(now: now)
        var out: [PunchOutgoing] = []
        while out.count < limit, !triggered.isEmpty {
            let index = triggered.removeFirst()
            if let check = transmit(index, now: now) { out.append(check) }
        }
        for index in entries.indices where out.count < limit && entries[index].nextSendAt <= now {
            if let check = transmit(index, now: now) { out.append(check) }
        }
        return out
    }

    /// Whether `index` should still be checked at `now`.
    private func isActive(_ index: Int, now: Int64) -> Bool {
        let entry = entries[index]
        if entry.nominating { return selected != entry.pair }
        guard now <= entry.stopsAt, !entry.succeeded else { return false }
        guard let selected else { return true }
        // Once connected, only direct pairs that could upgrade a relayed path go on.
        return selected.path == .relayed && entry.pair.path.isDirect && now <= upgradeUntil
    }

    private mutating func transmit(_ index: Int, now: Int64) -> PunchOutgoing? {
        guard isActive(index, now: now) else {
            entries[index].nextSendAt = .max
            return nil
        }
        let id = TransactionID.random()
        let nominating = entries[index].nominating || nominatesAggressively(entries[index].pair, now: now)
        transactions[id] = (index, now, nominating)
        let interval = min(initialInterval << min(entries[index].transmissions, 8), maximumInterval)
        entries[index].transmissions += 1
        entries[index].nextSendAt = now + interval
        checksSent += 1
        let pair = entries[index].pair
        return PunchOutgoing(base: pair.base, to: pair.remote, bytes: checkRequest(id: id, nominate: nominating, path: pair.path))
    }

    private func checkRequest(id: TransactionID, nominate: Bool, path: PunchPathKind) -> [UInt8] {
        var message = STUNMessage(type: .bindingRequest, transactionID: id)
        message.append(Username("natctl-punch"))
        // RFC 8445 §5.1.2.1 type preferences: host 126, peer-reflexive 110, relayed 0.
        message.append(Priority(UInt32(path == .relayed ? 0 : 110) << 24 | 0xFFFF << 8 | 255))
        if controlling { message.append(ICEControlling(tieBreaker)) } else { message.append(ICEControlled(tieBreaker)) }
        if nominate { message.append(UseCandidate()) }
        return message.encoded(integritySHA256: key, fingerprint: true)
    }

    /// Whether a check on `pair` carries USE-CANDIDATE before the pair is known to work: the
    /// controlling side's direct checks, while no direct pair is selected.
    private func nominatesAggressively(_ pair: CandidatePair, now: Int64) -> Bool {
        guard controlling, pair.path.isDirect else { return false }
        guard let selected else { return true }
        return selected.path == .relayed && now <= upgradeUntil
    }

    /// The controlling side nominates the best working pair: a direct one at once, a relayed one
    /// only from `relayNominationAt`, and a direct one over a selected relayed one (upgrade).
    private mutating func nominateIfReady(now: Int64) {
        guard controlling, !entries.contains(where: { $0.nominating && selected != $0.pair }) else { return }
        let working = entries.indices.filter { entries[$0].succeeded && entries[$0].pair != selected }
        guard
            let best = working.min(by: {
                (entries[$0].pair.path, entries[$0].rttMilliseconds ?? .max) < (entries[$1].pair.path, entries[$1].rttMilliseconds ?? .max)
            })
        else { return }
        let path = entries[best].pair.path
        if let selected, !(selected.path == .relayed && path.isDirect && now <= upgradeUntil) { return }
        guard path.isDirect || now >= relayNominationAt else { return }
        entries[best].nominating = true
        entries[best].nextSendAt = now
        entries[best].transmissions = 0
    }
}

extension PunchChecklist {
    /// Handles a datagram that arrived on `base` from `from`: answers checks, learns from
    /// responses. Returns what to send in reply (a response, perhaps a triggered check).
    mutating func receive(_ bytes: [UInt8], on base: PunchBase, from: TransportAddress, now: Int64) -> [PunchOutgoing] {
        guard let message = try? STUNMessage(decoding: bytes), message.type.method == .binding else { return [] }
        switch message.type.messageClass {
        case .request: return answer(message, on: base, from: from, now: now)
        case .successResponse: learn(from: message, sender: from, now: now)
        default: break
        }
        return []
    }

    private mutating func answer(_ request: STUNMessage, on base: PunchBase, from: TransportAddress, now: Int64) -> [PunchOutgoing] {
        guard request.checkMessageIntegritySHA256(key: key) == .valid else {
            authenticationFailures += 1
            return []
        }
        resolveRoleConflict(request)
        var response = STUNMessage(type: .bindingSuccess, transactionID: request.transactionID)
        response.append(XORMappedAddress(from))
        var out = [PunchOutgoing(base: base, to: from, bytes: response.encoded(integritySHA256: key, fingerprint: true))]
        let route = Route(base: base, remote: from)
        if routes[route] == nil {
            add(CandidatePair(base: base, remote: from, remoteKind: nil), startAt: .max, stopsAt: max(now, upgradeUntil, relayNominationAt) + 5000)
        }
        guard let index = routes[route] else { return out }
        if !entries[index].succeeded, isActive(index, now: now) || entries[index].nextSendAt == .max {
            // A triggered check (RFC 8445 §7.3.1.4): the peer's packet just opened our way out.
            entries[index].stopsAt = max(entries[index].stopsAt, now + 2000)
            if let check = transmit(index, now: now) { out.append(check) }
        }
        if request.contains(.useCandidate), !controlling, selected != entries[index].pair {
            if let selected, selected.path.isDirect, !entries[index].pair.path.isDirect { return out }
            entries[index].nominatedByPeer = true
            if entries[index].succeeded { selectNominated(index, now: now) }
        }
        return out
    }

    /// The controlled side selects a pair the peer nominated and its own check proved.
    private mutating func selectNominated(_ index: Int, now: Int64) {
        if selected?.path == .relayed, entries[index].pair.path.isDirect { upgraded = true }
        select(index, now: now)
    }

    private mutating func learn(from response: STUNMessage, sender: TransportAddress, now: Int64) {
        guard let sent = transactions[response.transactionID], entries[sent.entry].pair.remote == sender,
            response.checkMessageIntegritySHA256(key: key) == .valid
        else { return }
        transactions[response.transactionID] = nil
        let index = sent.entry
        let rtt = now - sent.sentAt
        entries[index].succeeded = true
        entries[index].rttMilliseconds = min(entries[index].rttMilliseconds ?? .max, rtt)
        if sent.nominating, controlling, selected != entries[index].pair {
            if selected?.path == .relayed { upgraded = true }
            select(index, now: now)
        } else if !controlling, entries[index].nominatedByPeer, selected != entries[index].pair {
            if let selected, selected.path.isDirect, !entries[index].pair.path.isDirect { return }
            selectNominated(index, now: now)
        }
    }

    private mutating func select(_ index: Int, now: Int64) {
        selected = entries[index].pair
        selectedAt = now
        selectedRTT = entries[index].rttMilliseconds
    }

    /// RFC 8445 §7.3.1.1: when both sides claim one role, the larger tie-breaker controls.
    private mutating func resolveRoleConflict(_ request: STUNMessage) {
        if controlling, let theirs = try? request.attribute(ICEControlling.self), theirs.tieBreaker > tieBreaker {
            controlling = false
        } else if !controlling, let theirs = try? request.attribute(ICEControlled.self), theirs.tieBreaker < tieBreaker {
            controlling = true
        }
    }
}
