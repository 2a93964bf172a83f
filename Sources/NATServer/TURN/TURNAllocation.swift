import NATWire
import NIOCore

/// One TURN allocation (RFC 8656 §2.2): a relayed socket owned by one client 5-tuple, with its
/// permissions, channel bindings and traffic counters. Lives on the server's event loop only,
/// which is what makes `@unchecked Sendable` sound.
final class TURNAllocation: @unchecked Sendable {
    struct Binding {
        var peer: TransportAddress
        var peerSocket: SocketAddress
        var expiry: NIODeadline
    }

    let client: TransportAddress
    let clientSocket: SocketAddress
    let username: String
    let relayed: TransportAddress
    let relayChannel: any Channel
    /// The transaction that created it, so a retransmitted Allocate gets the same answer (§7.2).
    let creatingTransaction: TransactionID
    var creatingResponse: ByteBuffer?
    var expiry: NIODeadline
    /// Refreshes never extend the allocation past this (`TURNConfiguration.maximumAge`).
    var endOfLife: NIODeadline = .distantFuture
    var expiryTimer: Scheduled<Void>?
    var permissions: [IPAddress: NIODeadline] = [:]
    var channels: [UInt16: Binding] = [:]
    var channelByPeer: [TransportAddress: UInt16] = [:]
    /// Bytes and packets in each direction, and what was dropped for want of a permission.
    var counters = TURNTraffic()
    /// Per peer socket, its parsed address and channel, so the hot path neither converts
    /// socket addresses nor hashes byte arrays per packet. Cleared when channels change.
    var peerRoutes: [SocketAddress: PeerRoute] = [:]

    struct PeerRoute {
        var peer: TransportAddress
        var channel: UInt16?
    }

    /// The route for a datagram from `socket`, built once per peer.
    func route(_ socket: SocketAddress) -> PeerRoute? {
        if let known = peerRoutes[socket] { return known }
        guard let peer = TransportAddress(socket) else { return nil }
        let route = PeerRoute(peer: peer, channel: channelByPeer[peer])
        if peerRoutes.count < 4096 { peerRoutes[socket] = route }  // bounded: a peer flood cannot grow it
        return route
    }

    init(
        client: TransportAddress, clientSocket: SocketAddress, username: String, relayed: TransportAddress,
        relayChannel: any Channel, creatingTransaction: TransactionID, expiry: NIODeadline
    ) {
        self.client = client
        self.clientSocket = clientSocket
        self.username = username
        self.relayed = relayed
        self.relayChannel = relayChannel
        self.creatingTransaction = creatingTransaction
        self.expiry = expiry
    }

    /// Removes expired permissions and channel bindings (and what points at them), so neither
    /// table holds more than the live entries however many a client made over time.
    func forgetExpired(now: NIODeadline) {
        permissions = permissions.filter { $0.value > now }
        let expired = channels.filter { $0.value.expiry <= now }
        guard !expired.isEmpty else { return }
        for (number, binding) in expired {
            channels[number] = nil
            if channelByPeer[binding.peer] == number { channelByPeer[binding.peer] = nil }
        }
        peerRoutes.removeAll()
    }

    func hasPermission(_ ip: IPAddress, now: NIODeadline) -> Bool {
        guard let until = permissions[ip] else { return false }
        return until > now
    }

    /// The live channel bound to `number`, if any.
    func channel(_ number: UInt16, now: NIODeadline) -> Binding? {
        guard let binding = channels[number], binding.expiry > now else { return nil }
        return binding
    }

    /// The live channel number for traffic from `peer`, if any. The binding is checked to still
    /// name `peer`: an expired number may have been rebound to another peer since.
    func channelNumber(for peer: TransportAddress, now: NIODeadline) -> UInt16? {
        guard let number = channelByPeer[peer], let binding = channel(number, now: now), binding.peer == peer else { return nil }
        return number
    }
}

/// Reads datagrams from peers on one relayed socket and hands them to the service, which
/// forwards the permitted ones to the client.
final class RelayPeerHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let service: TURNService
    weak var allocation: TURNAllocation?

    init(service: TURNService) { self.service = service }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let allocation else { return }
        service.relayFromPeer(unwrapInboundIn(data), allocation: allocation)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        service.flushPending()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP errors from one peer (port unreachable) must not close the allocation.
    }
}
