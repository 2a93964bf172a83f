import Libp2pWire
import NATWire

/// Who holds a slot on the relay, until when, and how many relayed connections each peer has:
/// the bookkeeping of the hop without I/O, bounded by the configuration's limits.
struct CircuitReservations {
    struct Slot {
        var ip: IPAddress
        var expire: UInt64
    }

    let configuration: CircuitRelayConfiguration
    private(set) var slots: [PeerID: Slot] = [:]
    private var circuits: [PeerID: Int] = [:]

    init(_ configuration: CircuitRelayConfiguration) { self.configuration = configuration }

    /// Grants or renews `peer`'s slot; returns its expiry, or why it was refused. Slots that
    /// expired, or whose peer is no longer connected, are dropped first.
    mutating func reserve(_ peer: PeerID, from ip: IPAddress, now: UInt64, connected: (PeerID) -> Bool) -> Result<UInt64, CircuitRelay.Status> {
        slots = slots.filter { $0.value.expire > now && connected($0.key) }
        let expire = now + configuration.reservationSeconds
        if slots[peer] != nil {
            slots[peer] = Slot(ip: ip, expire: expire)
            return .success(expire)
        }
        guard slots.count < configuration.maximumReservations else { return .failure(.reservationRefused) }
        guard slots.values.count(where: { $0.ip == ip }) < configuration.maximumReservationsPerIP else { return .failure(.resourceLimitExceeded) }
        slots[peer] = Slot(ip: ip, expire: expire)
        return .success(expire)
    }

    func holds(_ peer: PeerID, now: UInt64) -> Bool { (slots[peer]?.expire ?? 0) > now }

    /// Counts a relayed connection against both peers; false when either has its maximum.
    mutating func openCircuit(_ source: PeerID, _ destination: PeerID) -> Bool {
        let limit = configuration.maximumCircuitsPerPeer
        guard circuits[source, default: 0] < limit, circuits[destination, default: 0] < limit else { return false }
        circuits[source, default: 0] += 1
        circuits[destination, default: 0] += 1
        return true
    }

    mutating func closeCircuit(_ source: PeerID, _ destination: PeerID) {
        for peer in [source, destination] {
            circuits[peer, default: 1] -= 1
            if circuits[peer] == 0 { circuits[peer] = nil }
        }
    }
}
