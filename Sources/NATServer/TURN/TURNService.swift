import Foundation
import NATWire
import NIOCore
import NIOPosix

/// The TURN relay (RFC 8656, UDP) behind `relay serve`'s primary socket.
///
/// Everything — requests, relayed sockets, timers — runs on the listening socket's event loop,
/// so the state needs no locks; that confinement is what makes `@unchecked Sendable` sound.
/// The hot path (ChannelData from the client, datagrams from peers) never decodes STUN: it
/// looks up the allocation and channel, slices the buffer and writes it, flushing once per
/// read burst so NIO can send the batch with one `sendmmsg`.
public final class TURNService: @unchecked Sendable {
    let configuration: TURNConfiguration
    private let authenticator: TURNAuthenticator
    private let loop: any EventLoop
    private let onEvent: @Sendable (TURNEvent) -> Void
    private var listener: (any Channel)?
    private var allocations: [TransportAddress: TURNAllocation] = [:]
    /// The same allocations by the client's socket address, for ChannelData (no conversion).
    private var allocationsBySocket: [SocketAddress: TURNAllocation] = [:]
    /// Clients whose Allocate is waiting for its relayed socket to bind.
    private var binding: Set<TransportAddress> = []
    private var needsFlush: [ObjectIdentifier: any Channel] = [:]

    public init(configuration: TURNConfiguration, loop: any EventLoop, onEvent: @escaping @Sendable (TURNEvent) -> Void = { _ in }) {
        self.configuration = configuration
        self.authenticator = TURNAuthenticator(credentials: configuration.credentials, nonceLifetime: configuration.nonceLifetime)
        self.loop = loop
        self.onEvent = onEvent
    }

    /// Which STUN methods this service answers.
    static let methods: Set<STUNMethod> = [.allocate, .refresh, .send, .createPermission, .channelBind]

    /// The comprehension-required attributes a TURN request may carry.
    private static let knownAttributes: Set<STUNAttributeType> = [
        .username, .realm, .nonce, .messageIntegrity, .messageIntegritySHA256, .passwordAlgorithm, .lifetime,
        .requestedTransport, .requestedAddressFamily, .xorPeerAddress, .data, .channelNumber, .evenPort,
    ]

    func attach(listener: any Channel) { self.listener = listener }

    // MARK: Hot path

    /// A ChannelData datagram from a client: forward its data to the bound peer.
    func relayChannelData(_ buffer: ByteBuffer, from client: SocketAddress) {
        let view = buffer.readableBytesView
        let start = view.startIndex
        guard view.count >= ChannelDataHeader.length, let allocation = allocationsBySocket[client],
            let header = ChannelDataHeader.parse(view[start], view[start + 1], view[start + 2], view[start + 3], datagramLength: view.count)
        else { return }
        let now = NIODeadline.now()
        guard let binding = allocation.channel(header.channel, now: now) else {
            allocation.counters.droppedToPeers += 1
            return
        }
        let payload = buffer.getSlice(at: buffer.readerIndex + ChannelDataHeader.length, length: Int(header.dataLength))!
        send(payload, to: binding.peerSocket, through: allocation)
    }

    private func send(_ payload: ByteBuffer, to peer: SocketAddress, through allocation: TURNAllocation) {
        allocation.counters.packetsToPeers += 1
        allocation.counters.bytesToPeers += payload.readableBytes
        allocation.relayChannel.write(AddressedEnvelope(remoteAddress: peer, data: payload), promise: nil)
        needsFlush[ObjectIdentifier(allocation.relayChannel)] = allocation.relayChannel
    }

    /// A datagram from a peer to a relayed address: to the client, as ChannelData when the peer
    /// has a channel, else as a Data indication; dropped without a permission (§11.3, §12.6).
    func relayFromPeer(_ envelope: AddressedEnvelope<ByteBuffer>, allocation: TURNAllocation) {
        guard let route = allocation.route(envelope.remoteAddress) else { return }
        let peer = route.peer
        let now = NIODeadline.now()
        guard allocation.hasPermission(peer.ip, now: now), let listener else {
            allocation.counters.droppedFromPeers += 1
            return
        }
        var data = envelope.data
        allocation.counters.packetsFromPeers += 1
        allocation.counters.bytesFromPeers += data.readableBytes
        let out: ByteBuffer
        if let number = route.channel, let binding = allocation.channels[number], binding.expiry > now {
            var framed = listener.allocator.buffer(capacity: ChannelDataHeader.length + data.readableBytes)
            framed.writeInteger(number)
            framed.writeInteger(UInt16(data.readableBytes))
            framed.writeBuffer(&data)
            out = framed
        } else {
            var indication = STUNMessage(type: STUNMessageType(method: .data, messageClass: .indication))
            indication.append(XORPeerAddress(peer))
            indication.append(DataValue(Array(data.readableBytesView)))
            out = ByteBuffer(bytes: indication.encoded())
        }
        listener.write(AddressedEnvelope(remoteAddress: allocation.clientSocket, data: out), promise: nil)
        needsFlush[ObjectIdentifier(listener)] = listener
    }

    /// Flushes every socket written to since the last flush; called once per read burst.
    func flushPending() {
        guard !needsFlush.isEmpty else { return }
        for channel in needsFlush.values { channel.flush() }
        needsFlush.removeAll(keepingCapacity: true)
    }

    // MARK: Requests and indications

    /// A TURN request or Send indication from `client`.
    func handle(_ message: STUNMessage, from client: TransportAddress, socket: SocketAddress) {
        if message.type.messageClass == .indication {
            if message.type.method == .send { relaySendIndication(message, from: client) }
            return
        }
        guard message.type.messageClass == .request else { return }
        let now = Date()
        guard configuration.credentials.isConfigured else {
            return reply(error: ErrorCode.forbidden, "This server relays nothing: start it with --user, --static-auth-secret or --no-auth", to: message, socket: socket)
        }
        let identity: TURNAuthenticator.Identity
        switch authenticator.authenticate(message, from: client.ip, now: now) {
        case .success(let found): identity = found
        case .failure(let rejection):
            let extra = rejection.challenge ? authenticator.challenge(for: client.ip, now: now) : []
            return reply(error: rejection.code, rejection.reason, extra: extra, to: message, socket: socket)
        }
        let unknown = message.unknownComprehensionRequired(known: Self.knownAttributes)
        guard unknown.isEmpty else {
            return reply(error: ErrorCode.unknownAttribute, extra: [UnknownAttributes(unknown)], to: message, socket: socket, identity: identity)
        }
        let request = Request(message: message, client: client, socket: socket, identity: identity)
        switch message.type.method {
        case .allocate: allocate(request)
        case .refresh: refresh(request)
        case .createPermission: createPermission(request)
        case .channelBind: channelBind(request)
        default: reply(error: ErrorCode.badRequest, "\(message.type.method) is not a request", to: message, socket: socket, identity: identity)
        }
    }

    struct Request {
        var message: STUNMessage
        var client: TransportAddress
        var socket: SocketAddress
        var identity: TURNAuthenticator.Identity
    }

    private func relaySendIndication(_ message: STUNMessage, from client: TransportAddress) {
        guard let allocation = allocations[client] else { return }
        guard let peer = (try? message.attribute(XORPeerAddress.self))?.address, let data = try? message.attribute(DataValue.self),
            allocation.hasPermission(peer.ip, now: .now()), mayReach(peer), let peerSocket = try? peer.socketAddress
        else {
            allocation.counters.droppedToPeers += 1
            return
        }
        send(ByteBuffer(bytes: data.bytes), to: peerSocket, through: allocation)
        flushPending()
    }

    /// RFC 8656 §7.2.
    private func allocate(_ request: Request) {
        let message = request.message
        if let existing = allocations[request.client] {
            if existing.creatingTransaction == message.transactionID, let response = existing.creatingResponse {
                return write(response, to: request.socket)
            }
            return reply(error: ErrorCode.allocationMismatch, to: request)
        }
        guard !binding.contains(request.client) else { return }  // a retransmission while the socket binds
        guard let transport = try? message.attribute(RequestedTransport.self) else {
            return reply(error: ErrorCode.badRequest, "REQUESTED-TRANSPORT is missing", to: request)
        }
        guard transport == .udp else { return reply(error: ErrorCode.unsupportedTransportProtocol, to: request) }
        if let family = try? message.attribute(RequestedAddressFamily.self), family.family != configuration.relayIP.family {
            return reply(error: ErrorCode.addressFamilyNotSupported, to: request)
        }
        let evenPort = try? message.attribute(EvenPort.self)
        if evenPort?.reserveNext == true {
            // Holding the next port for a later RTCP allocation (RESERVATION-TOKEN) is not
            // offered; §7.2 says to answer a request the server cannot satisfy with 508.
            return reply(error: ErrorCode.insufficientCapacity, "Port reservation (EVEN-PORT with R) is not offered", to: request)
        }
        if let quotaError = quotaError(for: request) { return reply(error: quotaError, to: request) }
        let lifetime = configuration.grantedLifetime(asked: (try? message.attribute(Lifetime.self))?.seconds)
        binding.insert(request.client)
        bindRelaySocket(attemptsLeft: 16, even: evenPort != nil).whenComplete { [self] result in
            binding.remove(request.client)
            switch result {
            case .failure:
                reply(error: ErrorCode.insufficientCapacity, "No relay port is free", to: request)
            case .success(let (channel, handler, relayed)):
                let allocation = TURNAllocation(
                    client: request.client, clientSocket: request.socket, username: request.identity.username, relayed: relayed,
                    relayChannel: channel, creatingTransaction: message.transactionID, expiry: .now() + .seconds(Int64(lifetime)))
                handler.allocation = allocation
                allocations[request.client] = allocation
                allocationsBySocket[request.socket] = allocation
                scheduleExpiry(allocation)
                let response = success(
                    to: request,
                    [XORRelayedAddress(relayed), Lifetime(seconds: lifetime), XORMappedAddress(request.client)])
                allocation.creatingResponse = response
                write(response, to: request.socket)
                onEvent(.allocated(client: request.client, relayed: relayed, username: request.identity.username, lifetime: lifetime))
            }
        }
    }

    /// 486 when the user or client IP holds its quota of allocations, 508 when the server does.
    private func quotaError(for request: Request) -> Int? {
        let configuration = configuration
        if configuration.totalQuota > 0, allocations.count + binding.count >= configuration.totalQuota {
            return ErrorCode.insufficientCapacity
        }
        if configuration.userQuota > 0, !configuration.credentials.open,
            allocations.values.count(where: { $0.username == request.identity.username }) >= configuration.userQuota
        {
            return ErrorCode.allocationQuotaReached
        }
        if configuration.ipQuota > 0, allocations.keys.count(where: { $0.ip == request.client.ip }) >= configuration.ipQuota {
            return ErrorCode.allocationQuotaReached
        }
        return nil
    }

    /// Binds a relayed socket on a random port of the configured range (an even one for EVEN-PORT).
    private func bindRelaySocket(attemptsLeft: Int, even: Bool) -> EventLoopFuture<(any Channel, RelayPeerHandler, TransportAddress)> {
        let handler = RelayPeerHandler(service: self)
        var port = Int(UInt16.random(in: configuration.relayPorts))
        if even, port % 2 == 1 { port = port - 1 >= Int(configuration.relayPorts.lowerBound) ? port - 1 : port + 1 }
        return DatagramBootstrap(group: loop)
            .channelOption(.socketOption(.so_reuseaddr), value: 0)
            .channelOption(.datagramVectorReadMessageCount, value: 16)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 16 * 2048))
                .channelOption(.socketOption(.so_rcvbuf), value: 1 << 20)  // absorb bursts (capped by net.core.rmem_max)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
            .bind(host: configuration.relayIP.description, port: port)
            .flatMapThrowing { channel in
                guard let relayed = channel.localAddress.flatMap(TransportAddress.init) else {
                    channel.close(promise: nil)
                    throw ServerError.invalidLayout("relayed socket has no address")
                }
                return (channel, handler, relayed)
            }
            .flatMapError { [self] error in
                attemptsLeft > 1 ? bindRelaySocket(attemptsLeft: attemptsLeft - 1, even: even) : loop.makeFailedFuture(error)
            }
    }

    private func scheduleExpiry(_ allocation: TURNAllocation) {
        allocation.expiryTimer?.cancel()
        allocation.expiryTimer = loop.scheduleTask(deadline: allocation.expiry) { [self] in
            close(allocation, reason: "expired")
        }
    }

    private func close(_ allocation: TURNAllocation, reason: String) {
        guard allocations[allocation.client] === allocation else { return }
        allocations[allocation.client] = nil
        allocationsBySocket[allocation.clientSocket] = nil
        allocation.expiryTimer?.cancel()
        allocation.relayChannel.close(promise: nil)
        onEvent(.closed(client: allocation.client, relayed: allocation.relayed, reason: reason, traffic: allocation.counters.traffic))
    }

    /// The allocation a non-Allocate request refers to, or nil after answering 437 or 441.
    private func ownedAllocation(_ request: Request) -> TURNAllocation? {
        guard let allocation = allocations[request.client] else {
            reply(error: ErrorCode.allocationMismatch, to: request)
            return nil
        }
        guard configuration.credentials.open || allocation.username == request.identity.username else {
            reply(error: ErrorCode.wrongCredentials, to: request)
            return nil
        }
        return allocation
    }

    /// RFC 8656 §7.3.
    private func refresh(_ request: Request) {
        guard let allocation = ownedAllocation(request) else { return }
        if let family = try? request.message.attribute(RequestedAddressFamily.self), family.family != allocation.relayed.ip.family {
            return reply(error: ErrorCode.peerAddressFamilyMismatch, to: request)
        }
        let asked = (try? request.message.attribute(Lifetime.self))?.seconds
        if asked == 0 {
            close(allocation, reason: "deleted")
            return reply(success: [Lifetime(seconds: 0)], to: request)
        }
        let lifetime = configuration.grantedLifetime(asked: asked)
        allocation.expiry = .now() + .seconds(Int64(lifetime))
        scheduleExpiry(allocation)
        reply(success: [Lifetime(seconds: lifetime)], to: request)
    }

    /// The XOR-PEER-ADDRESS values of a request, or nil after answering 400, 443 or 403.
    private func permittedPeers(_ request: Request, allocation: TURNAllocation) -> [TransportAddress]? {
        guard let peers = try? request.message.attributes(XORPeerAddress.self).map(\.address), !peers.isEmpty else {
            reply(error: ErrorCode.badRequest, "XOR-PEER-ADDRESS is missing or malformed", to: request)
            return nil
        }
        guard peers.allSatisfy({ $0.ip.family == allocation.relayed.ip.family }) else {
            reply(error: ErrorCode.peerAddressFamilyMismatch, to: request)
            return nil
        }
        guard let denied = peers.first(where: { !configuration.peerPolicy.permits($0.ip) || !mayReach($0, portKnown: $0.port != 0) }) else {
            return peers
        }
        reply(error: ErrorCode.forbidden, "Peer address \(denied.ip) is not allowed by this relay", to: request)
        return nil
    }

    /// The relay's own IP is a peer only at relayed ports: that lets two clients that both
    /// fell back to this relay talk relay to relay (as ICE does), but not reach other
    /// services on the server's host. Permissions carry no port, so sends check it again.
    private func mayReach(_ peer: TransportAddress, portKnown: Bool = true) -> Bool {
        peer.ip != configuration.relayIP || !portKnown || configuration.relayPorts.contains(peer.port)
            || configuration.peerPolicy.isAllowed(peer.ip)
    }

    /// RFC 8656 §9.
    private func createPermission(_ request: Request) {
        guard let allocation = ownedAllocation(request), let peers = permittedPeers(request, allocation: allocation) else { return }
        let until = NIODeadline.now() + .seconds(Int64(configuration.permissionLifetime))
        for peer in peers { allocation.permissions[peer.ip] = until }
        reply(success: [], to: request)
    }

    /// RFC 8656 §11.2.
    private func channelBind(_ request: Request) {
        guard let allocation = ownedAllocation(request) else { return }
        guard let number = (try? request.message.attribute(ChannelNumber.self))?.number, ChannelNumber.acceptedRange.contains(number) else {
            return reply(error: ErrorCode.badRequest, "CHANNEL-NUMBER must be 0x4000 through 0x4FFF (0x7FFF for RFC 5766 clients)", to: request)
        }
        guard let peers = permittedPeers(request, allocation: allocation), let peer = peers.first,
            let peerSocket = try? peer.socketAddress
        else { return }
        let now = NIODeadline.now()
        if let bound = allocation.channels[number], bound.peer != peer, bound.expiry > now {
            return reply(error: ErrorCode.badRequest, "Channel is bound to another peer", to: request)
        }
        if let other = allocation.channelNumber(for: peer, now: now), other != number {
            return reply(error: ErrorCode.badRequest, "Peer is bound to another channel", to: request)
        }
        allocation.channels[number] = TURNAllocation.Binding(
            peer: peer, peerSocket: peerSocket, expiry: now + .seconds(Int64(configuration.channelLifetime)))
        allocation.channelByPeer[peer] = number
        allocation.peerRoutes.removeAll()
        let permissionUntil = now + .seconds(Int64(configuration.permissionLifetime))
        allocation.permissions[peer.ip] = max(allocation.permissions[peer.ip] ?? permissionUntil, permissionUntil)
        reply(success: [], to: request)
    }

    // MARK: Responses

    private func success(to request: Request, _ attributes: [any STUNAttributeValue]) -> ByteBuffer {
        var response = STUNMessage(
            type: STUNMessageType(method: request.message.type.method, messageClass: .successResponse),
            transactionID: request.message.transactionID)
        for attribute in attributes { response.append(attribute) }
        return ByteBuffer(bytes: sign(response, for: request.identity, fingerprint: request.message.contains(.fingerprint)))
    }

    private func reply(success attributes: [any STUNAttributeValue], to request: Request) {
        write(success(to: request, attributes), to: request.socket)
    }

    private func reply(error code: Int, _ reason: String? = nil, to request: Request) {
        reply(error: code, reason, to: request.message, socket: request.socket, identity: request.identity)
    }

    private func reply(
        error code: Int, _ reason: String? = nil, extra: [any STUNAttributeValue] = [], to message: STUNMessage,
        socket: SocketAddress, identity: TURNAuthenticator.Identity? = nil
    ) {
        var response = STUNMessage(
            type: STUNMessageType(method: message.type.method, messageClass: .errorResponse), transactionID: message.transactionID)
        response.append(ErrorCode(code: code, reason: reason))
        for attribute in extra { response.append(attribute) }
        write(ByteBuffer(bytes: sign(response, for: identity, fingerprint: message.contains(.fingerprint))), to: socket)
    }

    /// Responses to authenticated requests carry the integrity attribute the request used.
    private func sign(_ response: STUNMessage, for identity: TURNAuthenticator.Identity?, fingerprint: Bool) -> [UInt8] {
        guard let identity, let key = identity.key else { return response.encoded(fingerprint: fingerprint) }
        return identity.usesSHA256
            ? response.encoded(integritySHA256: key, fingerprint: fingerprint)
            : response.encoded(integrity: key, fingerprint: fingerprint)
    }

    private func write(_ bytes: ByteBuffer, to socket: SocketAddress) {
        listener?.writeAndFlush(AddressedEnvelope(remoteAddress: socket, data: bytes), promise: nil)
    }

    /// A TURN request that does not decode gets 400 naming the problem, when its header is
    /// intact enough to answer; anything else is dropped. Either way the server carries on.
    func rejectMalformed(_ buffer: ByteBuffer, _ error: STUNDecodeError, socket: SocketAddress) {
        let bytes = Array(buffer.readableBytesView.prefix(STUNMessage.headerLength))
        guard bytes.count == STUNMessage.headerLength, STUNMessage.looksLikeSTUN(bytes) else { return }
        let type = STUNMessageType(rawValue: UInt16(bytes[0]) << 8 | UInt16(bytes[1]))
        guard type.messageClass == .request else { return }
        guard let id = TransactionID(bytes: bytes[8..<20]) else { return }
        let header = STUNMessage(type: type, transactionID: id)
        reply(error: ErrorCode.badRequest, "Malformed: \(error)", to: header, socket: socket)
    }

    /// Closes every allocation (server shutdown).
    func shutdown() async {
        try? await loop.submit { [self] in
            for allocation in Array(allocations.values) { close(allocation, reason: "server stopped") }
        }.get()
    }
}
