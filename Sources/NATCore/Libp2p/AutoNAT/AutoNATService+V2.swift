import Libp2pWire
import NATWire

/// AutoNAT v2 on the same host: the first address natctl will dial is chosen, dial data is
/// asked for when its IP is not the one the request came from (the spec's guard against
/// using the server to flood others), and the dial-back carries the client's nonce on a
/// `dial-back` stream of a new connection.
extension AutoNATService {
    /// Dial data asked for before dialing an IP other than the requester's (the spec: 30–100 kB).
    static let dialDataBytes: UInt64 = 30_000

    func serveV2(_ stream: Libp2pStream) async {
        let connection = stream.connection
        let peer = connection.remotePeer
        let deadline = ContinuousClock.now + Self.dialTime * 3
        let respond = { (status: AutoNATv2Message.ResponseStatus, index: UInt32, dial: AutoNATv2Message.DialStatus, detail: String) in
            try? stream.sendMessage(AutoNATv2Message.dialResponse(status: status, addrIdx: index, dialStatus: dial).encoded)
            stream.closeWrite()
            let shown = status == .ok ? "\(status.name), dial \(dial.name)" : status.name
            self.onEvent(Event(peer: "\(peer)", client: "\(connection.remoteAddress)", status: shown, detail: "v2: \(detail)"))
        }
        guard let message = try? await stream.readMessage("reading a v2 dial request", maximum: AutoNATv2Message.maximumLength, deadline: deadline),
            case .dialRequest(let addrs, let nonce)? = try? AutoNATv2Message(encoded: message)
        else { return respond(.internalError, 0, .unused, "not a DialRequest") }
        let observed = connection.remoteAddress.ip
        guard let (index, target) = Self.firstDialable(addrs, observed: observed) else {
            return respond(.dialRefused, 0, .unused, "no TCP address natctl will dial")
        }
        guard admit(peer) else { return respond(.requestRejected, 0, .unused, "too many dial requests; try again in a minute") }
        if target.ip != observed {
            guard await Self.collectDialData(on: stream, index: index, deadline: deadline) else {
                return respond(.requestRejected, index, .unused, "the dial data for \(target) did not come")
            }
        }
        guard let host = host.withLockedValue({ $0 }) else { return respond(.internalError, index, .unused, "not ready") }
        let (dial, detail) = await Self.dialBack(target, peer: peer, nonce: nonce, identity: host.identity)
        respond(.ok, index, dial, detail)
    }

    /// The first address natctl will dial: TCP, not relayed, and either on the requester's IP or
    /// public (a private or loopback address only when the requester itself is on one: a server
    /// on a LAN serves its LAN).
    static func firstDialable(_ addrs: [[UInt8]], observed: IPAddress) -> (UInt32, TransportAddress)? {
        let isNonPublic = { (ip: IPAddress) in IPPrefix.nonPublic.contains { $0.contains(ip) } }
        for (index, bytes) in addrs.enumerated().prefix(16) {
            guard let address = try? Multiaddr(bytes: bytes), !address.components.contains(.p2pCircuit), let tcp = address.tcpAddress,
                tcp.ip.family == observed.family, tcp.ip == observed || !isNonPublic(tcp.ip) || isNonPublic(observed)
            else { continue }
            return (UInt32(index), tcp)
        }
        return nil
    }

    /// Asks for the dial data and reads it (chunks of at most 4096 bytes); false when it did
    /// not all come in time.
    static func collectDialData(on stream: Libp2pStream, index: UInt32, deadline: ContinuousClock.Instant) async -> Bool {
        guard (try? stream.sendMessage(AutoNATv2Message.dialDataRequest(addrIdx: index, numBytes: dialDataBytes).encoded)) != nil else { return false }
        var received: UInt64 = 0
        while received < dialDataBytes {
            guard let message = try? await stream.readMessage("reading dial data", maximum: AutoNATv2Message.maximumLength, deadline: deadline),
                case .dialDataResponse(let data)? = try? AutoNATv2Message(encoded: message), data.count <= AutoNATv2Message.maximumDataChunk
            else { return false }
            received += UInt64(data.count)
        }
        return true
    }

    /// Dials `target` over a new connection and hands it the nonce on a dial-back stream.
    static func dialBack(
        _ target: TransportAddress, peer: PeerID, nonce: UInt64, identity: Libp2pIdentity
    ) async -> (AutoNATv2Message.DialStatus, String) {
        let deadline = ContinuousClock.now + dialTime
        let connection: Libp2pConnection
        do {
            connection = try await Libp2pUpgrade.dial(Multiaddr(tcp: target, peer: peer), identity: identity, limit: dialTime)
        } catch {
            return (.dialError, "\(target): \(error)")
        }
        let reader = Task { await connection.run { $0.reset() } }
        defer {
            reader.cancel()
            Task { await connection.close() }
        }
        do {
            let stream = try await connection.openStream(AutoNATv2Message.dialBackProtocol, deadline: deadline)
            try stream.sendMessage(AutoNATv2Message.dialBack(nonce: nonce))
            stream.closeWrite()
            _ = try await stream.readMessage("reading the dial-back response", maximum: 64, deadline: deadline)
            return (.ok, "\(target)")
        } catch {
            return (.dialBackError, "\(target): connected, but the nonce was not taken: \(error)")
        }
    }
}
