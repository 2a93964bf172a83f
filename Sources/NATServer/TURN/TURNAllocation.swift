import NATWire
import NIOCore

/// One TURN allocation (RFC 8656 §2.2): a relayed socket owned by one client 5-tuple, with its
/// permissions, channel bindings and traffic counters. Lives on the server's event loop only,
/// which is what makes `@unchecked Sendable` sound.
final class TURNAllocation: @unchecked Sendable {
    struct Binding {
        var peer: TransportAddress
        var peerSocket: RawSocketAddress
        var expiry: NIODeadline
    }

    let client: TransportAddress
    /// The allocation's key: the client's socket address, or its connection's key.
    let clientSocket: RawSocketAddress
    /// The client's TCP or TLS connection, when it came over one: answers and relayed data go
    /// down it instead of out of the listening socket.
    let stream: StreamClient?
    let username: String
    let relayed: TransportAddress
    let relaySocket: RelayUDPSocket
    /// The transaction that created it, so a retransmitted Allocate gets the same answer (§7.2).
    let creatingTransaction: TransactionID
    var creatingResponse: ByteBuffer?
    var expiry: NIODeadline
    /// Refreshes never extend the allocation past this (`TURNConfiguration.maximumAge`).
    var endOfLife: NIODeadline = .distantFuture
    var expiryTimer: Scheduled<Void>?
    var permissions: [IPAddress: NIODeadline] = [:]
    var channels: [UInt16: Binding] = [:] {
        didSet { channelTargets = channels.map { ChannelTarget(number: $0.key, peerSocket: $0.value.peerSocket, expiry: $0.value.expiry) } }
    }
    /// The channels again as a flat array of plain values, for ChannelData: a client binds a
    /// few channels, and a linear scan without hashing or reference counting beats the dictionary.
    private(set) var channelTargets: [ChannelTarget] = []

    struct ChannelTarget {
        var number: UInt16
        var peerSocket: RawSocketAddress
        var expiry: NIODeadline
    }
    var channelByPeer: [TransportAddress: UInt16] = [:]
    /// Bytes and packets in each direction, and what was dropped for want of a permission.
    var counters = TURNTraffic()
    /// Per peer socket, its parsed address, permission and channel, so the hot path neither
    /// converts socket addresses nor hashes byte arrays per packet. Cleared whenever a
    /// permission or channel changes, so what it caches is never stale.
    var peerRoutes: [RawSocketAddress: PeerRoute] = [:]

    struct PeerRoute {
        var peer: TransportAddress
        /// Until when the peer's IP has a permission (`.uptimeNanoseconds(0)`: none).
        var permittedUntil: NIODeadline
        /// The channel bound to this peer and until when, if any.
        var channel: UInt16?
        var channelUntil: NIODeadline
    }

    /// The route for a datagram from `socket`, built once per peer.
    func route(_ socket: RawSocketAddress) -> PeerRoute {
        if let known = peerRoutes[socket] { return known }
        let peer = socket.transportAddress
        let number = channelByPeer[peer]
        let binding = number.flatMap { channels[$0] }.flatMap { $0.peer == peer ? $0 : nil }
        let route = PeerRoute(
            peer: peer, permittedUntil: permissions[peer.ip] ?? .uptimeNanoseconds(0), channel: binding == nil ? nil : number,
            channelUntil: binding?.expiry ?? .uptimeNanoseconds(0))
        if peerRoutes.count < 4096 { peerRoutes[socket] = route }  // bounded: a peer flood cannot grow it
        return route
    }

    init(
        client: TransportAddress, clientSocket: RawSocketAddress, stream: StreamClient? = nil, username: String,
        relayed: TransportAddress, relaySocket: RelayUDPSocket, creatingTransaction: TransactionID, expiry: NIODeadline
    ) {
        self.client = client
        self.clientSocket = clientSocket
        self.stream = stream
        self.username = username
        self.relayed = relayed
        self.relaySocket = relaySocket
        self.creatingTransaction = creatingTransaction
        self.expiry = expiry
    }

    /// Removes expired permissions and channel bindings (and what points at them), so neither
    /// table holds more than the live entries however many a client made over time.
    func forgetExpired(now: NIODeadline) {
        let before = permissions.count
        permissions = permissions.filter { $0.value > now }
        if permissions.count != before { peerRoutes.removeAll() }
        let expired = channels.filter { $0.value.expiry <= now }
        guard !expired.isEmpty else { return }
        for (number, binding) in expired {
            channels[number] = nil
            if channelByPeer[binding.peer] == number { channelByPeer[binding.peer] = nil }
        }
        peerRoutes.removeAll()
    }

    /// Where ChannelData on `number` goes, while the channel lives.
    func channelTarget(_ number: UInt16, now: NIODeadline) -> RawSocketAddress? {
        for target in channelTargets where target.number == number { return target.expiry > now ? target.peerSocket : nil }
        return nil
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
