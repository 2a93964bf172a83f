import Foundation
import NATCore
import NATServer
import NATWire

/// One line of `relay serve` output (schema natctl.serve/2 with --json): every key on every
/// line, null when it does not apply to the event.
struct ServeEvent: Encodable {
    static let schema = "natctl.serve/2"
    var schema = ServeEvent.schema
    var event: String
    var addresses: [String]? = nil
    var rfc5780: Bool? = nil
    var turn: TURNSummary? = nil
    /// Where STUN and TURN are also served over TCP and TLS (`listening` only).
    var tcp: String? = nil
    var tls: String? = nil
    var reason: String? = nil
    var client: String? = nil
    var relayed: String? = nil
    var username: String? = nil
    /// The allocation's lifetime in seconds; encoded in milliseconds as `lifetime_ms`.
    var lifetime: UInt32? = nil
    var traffic: TURNTraffic? = nil
    /// The libp2p multiaddr of the circuit relay hop (`listening` only, with --libp2p-listen).
    var libp2p: String? = nil
    var circuit: CircuitDetails? = nil
    /// An AutoNAT dial-back request (`autonat-dial`): who asked, the answer's status, and the
    /// address dialed back or why none was.
    var autonat: AutoNATService.Event? = nil

    /// What a `circuit-*` event is about: the peer reserving or connecting, the peer it
    /// connects to, the status sent, the reservation's end and the bytes carried.
    struct CircuitDetails: Encodable {
        var peer: String
        @Nullable var destination: String? = nil
        @Nullable var status: String? = nil
        /// Unix seconds.
        @Nullable var expire: UInt64? = nil
        @Nullable var bytesToDestination: Int? = nil
        @Nullable var bytesToSource: Int? = nil
    }

    enum CodingKeys: String, CodingKey {
        case schema, event, addresses, rfc5780, turn, tcp, tls, reason, client, relayed, username, lifetimeMs, traffic, libp2p, circuit, autonat, error
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(event, forKey: .event)
        try container.encode(addresses, forKey: .addresses)
        try container.encode(rfc5780, forKey: .rfc5780)
        try container.encode(turn, forKey: .turn)
        try container.encode(tcp, forKey: .tcp)
        try container.encode(tls, forKey: .tls)
        try container.encode(reason, forKey: .reason)
        try container.encode(client, forKey: .client)
        try container.encode(relayed, forKey: .relayed)
        try container.encode(username, forKey: .username)
        try container.encode(lifetime.map { Int($0) * 1000 }, forKey: .lifetimeMs)
        try container.encode(traffic, forKey: .traffic)
        try container.encode(libp2p, forKey: .libp2p)
        try container.encode(circuit, forKey: .circuit)
        try container.encode(autonat, forKey: .autonat)
        try container.encode(ReportError?.none, forKey: .error)
    }

    struct TURNSummary: Encodable {
        var relayIP: String
        var realm: String
        var auth: String
    }

    init(event: String) { self.event = event }

    init(_ turnEvent: TURNEvent) {
        switch turnEvent {
        case .allocated(let client, let relayed, let username, let lifetime):
            self.init(event: "allocated")
            (self.client, self.relayed, self.username, self.lifetime) = ("\(client)", "\(relayed)", username, lifetime)
        case .closed(let client, let relayed, let reason, let traffic):
            self.init(event: "closed")
            (self.client, self.relayed, self.reason, self.traffic) = ("\(client)", "\(relayed)", reason, traffic)
        case .reserved(let client, let port, let username, let lifetime):
            self.init(event: "reserved")
            (self.client, self.relayed, self.username, self.lifetime) = ("\(client)", "\(port)", username, lifetime)
        case .released(let port, let reason):
            self.init(event: "released")
            (self.relayed, self.reason) = ("\(port)", reason)
        }
    }

    init(_ circuitEvent: CircuitRelayEvent) {
        switch circuitEvent {
        case .reserved(let peer, let client, let expire):
            self.init(event: "circuit-reserved")
            (self.client, circuit) = (client, CircuitDetails(peer: peer, status: "OK", expire: expire))
        case .refused(let peer, let client, let status, let reason):
            self.init(event: "circuit-refused")
            (self.client, self.reason, circuit) = (client, reason, CircuitDetails(peer: peer, status: status))
        case .circuitOpened(let source, let destination):
            self.init(event: "circuit-opened")
            circuit = CircuitDetails(peer: source, destination: destination, status: "OK")
        case .circuitClosed(let source, let destination, let reason, let forward, let backward):
            self.init(event: "circuit-closed")
            self.reason = reason
            circuit = CircuitDetails(peer: source, destination: destination, bytesToDestination: forward, bytesToSource: backward)
        }
    }

    init(_ autonatEvent: AutoNATService.Event) {
        self.init(event: "autonat-dial")
        (client, autonat) = (autonatEvent.client, autonatEvent)
    }

    /// The human line for this event.
    var text: String {
        switch event {
        case "allocated":
            return "natctl relay serve: allocated \(relayed ?? "?") for \(client ?? "?")\(username.map { $0.isEmpty ? "" : " (\($0))" } ?? ""), \(lifetime ?? 0) s"
        case "closed":
            let t = traffic
            return "natctl relay serve: closed \(relayed ?? "?") of \(client ?? "?") (\(reason ?? "")): "
                + "\(t?.packetsToPeers ?? 0) packets / \(t?.bytesToPeers ?? 0) bytes to peers, "
                + "\(t?.packetsFromPeers ?? 0) / \(t?.bytesFromPeers ?? 0) from peers, "
                + "\((t?.droppedFromPeers ?? 0) + (t?.droppedToPeers ?? 0)) dropped for want of a permission"
                + ((t?.droppedToClient ?? 0) > 0 ? ", \(t?.droppedToClient ?? 0) dropped while the client's connection was backed up" : "")
        case "reserved":
            return "natctl relay serve: reserved \(relayed ?? "?") for \(client ?? "?")\(username.map { $0.isEmpty ? "" : " (\($0))" } ?? "")'s next Allocate, \(lifetime ?? 0) s"
        case "released":
            return "natctl relay serve: released reserved \(relayed ?? "?") (\(reason ?? ""))"
        case "autonat-dial":
            return "natctl relay serve: AutoNAT dial-back for \(autonat?.peer ?? "?") at \(client ?? "?"): \(autonat?.status ?? "?") (\(autonat?.detail ?? ""))"
        case "circuit-reserved":
            let seconds = (circuit?.expire).map { Int($0) - Int(Date().timeIntervalSince1970) } ?? 0
            return "natctl relay serve: libp2p peer \(circuit?.peer ?? "?") at \(client ?? "?") reserved a relay slot for \(seconds) s"
        case "circuit-refused":
            return "natctl relay serve: refused libp2p peer \(circuit?.peer ?? "?") at \(client ?? "?"): \(circuit?.status ?? "?") (\(reason ?? ""))"
        case "circuit-opened":
            return "natctl relay serve: relaying libp2p \(circuit?.peer ?? "?") → \(circuit?.destination ?? "?")"
        case "circuit-closed":
            return "natctl relay serve: relayed libp2p \(circuit?.peer ?? "?") → \(circuit?.destination ?? "?") ended (\(reason ?? "")): "
                + "\(circuit?.bytesToDestination ?? 0) bytes there, \(circuit?.bytesToSource ?? 0) back"
        default:
            return "natctl relay serve: \(event)"
        }
    }
}

extension TURNConfiguration {
    var summary: ServeEvent.TURNSummary {
        let auth: String
        if credentials.open {
            auth = "none (open relay)"
        } else {
            var kinds: [String] = []
            if !credentials.users.isEmpty { kinds.append("\(credentials.users.count) user\(credentials.users.count == 1 ? "" : "s")") }
            if !credentials.sharedSecrets.isEmpty { kinds.append("shared secret") }
            auth = kinds.joined(separator: " + ")
        }
        return ServeEvent.TURNSummary(relayIP: relayIP.description, realm: credentials.realm, auth: auth)
    }
}
