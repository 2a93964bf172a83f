import NATWire

extension PunchSession {
    /// `--wireguard`, after the proof. A direct path from the shared main socket is
    /// WireGuard's own: nothing to carry, the run ends and WireGuard takes the path (its
    /// endpoint is `report.remote`). Any other path (the relay, a many-ports socket) is one
    /// WireGuard cannot send on from its port, so a local forwarder carries it: WireGuard's
    /// endpoint for the peer becomes the forwarder's loopback address, and datagrams move
    /// between the two until `hold` ends (zero: until stopped), with keepalives on the path.
    func forwardWireGuard() async {
        guard let pair = checklist.selected, let port = configuration.wireGuardPort else { return }
        if pair.base == .socket(0), pair.path.isDirect { return }
        let mailbox = mailbox
        do {
            let local = try await STUNTransport.bind(WireGuardForwarding.forwarderAddress) { envelope in
                // Only WireGuard's own port may feed the forwarder.
                guard envelope.remoteAddress.port == Int(port) else { return }
                mailbox.push(.fromWireGuard(Array(envelope.data.readableBytesView)))
            }
            forwarder = local
            onProgress(.forwarding(local: local.localAddress, peerKey: peer.wireGuardKey))
        } catch {
            fail(.failed, "cannot open the local forwarder for WireGuard: \(error)")
            return
        }
        let end = configuration.hold > .zero ? now + Int64(configuration.hold.milliseconds) : Int64.max
        let interval = Int64(configuration.keepalive?.milliseconds ?? 15_000)
        var nextKeepalive = now + interval
        while now < end, !stopping {
            if now >= nextKeepalive {
                sendKeepalive()
                nextKeepalive = now + interval
            }
            keepRelayFresh()
            await pump(for: .milliseconds(min(100, max(1, end - now))))
        }
    }
}

/// What the WireGuard forwarder needs to know about WireGuard's datagrams.
public enum WireGuardForwarding {
    /// WireGuard's messages start with a type (1 initiation, 2 response, 3 cookie, 4 data) and
    /// three zero bytes; the shortest (a keepalive) is 32 bytes.
    public static func isWireGuard(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 32 && (1...4).contains(bytes[0]) && bytes[1] == 0 && bytes[2] == 0 && bytes[3] == 0
    }

    /// Where the forwarder sends the peer's datagrams: WireGuard's port on loopback.
    static func wireGuardAddress(port: UInt16) -> TransportAddress {
        TransportAddress(ip: IPAddress("127.0.0.1")!, port: port)
    }

    /// The forwarder's own socket: an ephemeral port on loopback.
    static let forwarderAddress = TransportAddress(ip: IPAddress("127.0.0.1")!, port: 0)
}
