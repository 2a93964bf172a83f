import Libp2pWire
import NATWire
import NIOConcurrencyHelpers

/// The AutoNAT server `relay serve --libp2p-listen` runs (v1 here, v2 in `AutoNATService+V2`): a peer asks to be dialed back,
/// and natctl makes a *new* TCP connection to the addresses it listed (with the full upgrade
/// and the peer's identity checked), then answers OK with the address it reached, or
/// E_DIAL_ERROR. Only the IP the request came from is dialed, at the ports listed (the spec's
/// guard against using the server to attack others), at most four, and requests are
/// rate-limited as go-libp2p does: 3 per peer and 30 in all per minute.
public final class AutoNATService: Sendable {
    public struct Event: Sendable, Equatable, Encodable {
        public var peer: String
        public var client: String
        public var status: String
        /// The address dialed back successfully, or why none was.
        public var detail: String
    }

    static let dialTime = Duration.seconds(10)
    static let maximumDials = 4
    static let perPeerPerMinute = 3
    static let allPerMinute = 30

    let host = NIOLockedValueBox<Libp2pHost?>(nil)
    private let recent = NIOLockedValueBox<[(peer: PeerID, at: ContinuousClock.Instant)]>([])
    let onEvent: @Sendable (Event) -> Void

    public init(onEvent: @escaping @Sendable (Event) -> Void) { self.onEvent = onEvent }

    public func attach(to host: Libp2pHost) { self.host.withLockedValue { $0 = host } }

    /// The handlers for both versions, by protocol.
    public var handlers: [String: Libp2pHost.Handler] {
        [AutoNATMessage.protocolID: { stream in await self.serve(stream) }, AutoNATv2Message.dialRequestProtocol: { stream in await self.serveV2(stream) }]
    }

    private func serve(_ stream: Libp2pStream) async {
        let connection = stream.connection
        let peer = connection.remotePeer
        let respond = { (status: AutoNATMessage.Status, text: String, addr: Multiaddr?) in
            try? stream.sendMessage(AutoNATMessage.answer(.init(status: status, statusText: text, addr: addr?.bytes)).encoded)
            stream.closeWrite()
            self.onEvent(Event(peer: "\(peer)", client: "\(connection.remoteAddress)", status: status.name, detail: addr.map { "\($0)" } ?? text))
        }
        let request: AutoNATMessage
        do {
            request = try AutoNATMessage(
                encoded: try await stream.readMessage("reading a dial request", maximum: AutoNATMessage.maximumLength, deadline: .now + Self.dialTime))
        } catch {
            return respond(.badRequest, "\(error)", nil)
        }
        guard request.kind == .dial, request.peer == nil || request.peer == peer else {
            return respond(.badRequest, "a DIAL for this connection's own peer was expected", nil)
        }
        // Each TCP port listed, on the IP the request came from (as go-libp2p does): a client
        // behind a NAT that lists only its private addresses still learns whether its port is
        // reachable, and natctl never dials an IP other than the requester's.
        let observed = connection.remoteAddress.ip
        var targets: [TransportAddress] = []
        for bytes in request.addrs {
            guard let address = try? Multiaddr(bytes: bytes), !address.components.contains(.p2pCircuit), let tcp = address.tcpAddress,
                tcp.ip.family == observed.family
            else { continue }
            let target = TransportAddress(ip: observed, port: tcp.port)
            if !targets.contains(target) { targets.append(target) }
        }
        guard !targets.isEmpty else { return respond(.dialRefused, "no TCP address of the family this request came from", nil) }
        guard admit(peer) else { return respond(.dialRefused, "too many dial requests; try again in a minute", nil) }
        guard let host = host.withLockedValue({ $0 }) else { return respond(.internalError, "not ready", nil) }
        var failures: [String] = []
        for target in targets.prefix(Self.maximumDials) {
            let address = Multiaddr(tcp: target, peer: peer)
            do {
                let back = try await Libp2pUpgrade.dial(address, identity: host.identity, limit: Self.dialTime)
                await back.close()
                return respond(.ok, "dialed back", Multiaddr(tcp: target))
            } catch {
                failures.append("\(target): \(error)")
            }
        }
        respond(.dialError, failures.joined(separator: "; "), nil)
    }

    /// Counts a request against the per-peer and overall budgets of the last minute.
    func admit(_ peer: PeerID) -> Bool {
        let now = ContinuousClock.now
        return recent.withLockedValue { recent in
            recent.removeAll { now - $0.at > .seconds(60) }
            guard recent.count < Self.allPerMinute, recent.count(where: { $0.peer == peer }) < Self.perPeerPerMinute else { return false }
            recent.append((peer, now))
            return true
        }
    }
}
