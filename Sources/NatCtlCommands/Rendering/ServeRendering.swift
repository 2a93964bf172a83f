import NATCore
import NATServer
import NATWire

/// One line of `relay serve` output (schema natctl.serve/1 with --json).
struct ServeEvent: Encodable {
    var schema = "natctl.serve/1"
    var event: String
    var addresses: [String]? = nil
    var rfc5780: Bool? = nil
    var turn: TURNSummary? = nil
    var reason: String? = nil
    var client: String? = nil
    var relayed: String? = nil
    var username: String? = nil
    var lifetime: UInt32? = nil
    var traffic: TURNTraffic? = nil

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
        }
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
