import Libp2pWire
import NATNIO
import NATWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// natctl as a libp2p peer that others dial: it listens on TCP, upgrades each connection
/// (Noise, yamux), answers identify and ping, and hands streams of the protocols it was given
/// to their handlers. It keeps the connections it holds by peer, so a service (the circuit
/// relay) can open streams to a peer that dialed it. Connections are bounded in all and per IP.
public final class Libp2pHost: Sendable {
    public typealias Handler = @Sendable (Libp2pStream) async -> Void

    public struct Limits: Sendable {
        public var connections = 1024
        public var connectionsPerIP = 32
        /// Streams a peer may have open on one connection.
        public var streamsPerConnection = 64
        public var upgradeTime = Duration.seconds(10)
        public init() {}
    }

    public let identity: Libp2pIdentity
    public let agentVersion: String
    public let limits: Limits
    /// The address the listener is bound to.
    public let listenAddress: TransportAddress
    private let handlers: [String: Handler]
    private let onConnection: (@Sendable (Libp2pConnection) -> Void)?
    private let serverChannel: NIOLockedValueBox<(any Channel)?>
    private let state = NIOLockedValueBox(Registry())

    private struct Registry {
        /// Each peer's connections, with the order they were registered in.
        var byPeer: [PeerID: [ObjectIdentifier: (order: Int, connection: Libp2pConnection)]] = [:]
        var registered = 0
        var perIP: [IPAddress: Int] = [:]
        var count = 0
        var stopped = false
    }

    public var peerID: PeerID { identity.peerID }

    /// Where peers reach the listener, as the host tells them over `connection`: the bound
    /// address, or, when it is a wildcard, the IP the connection uses, at the listening port.
    public func listenAddress(over connection: Libp2pConnection) -> TransportAddress {
        TransportAddress(ip: listenAddress.ip.isUnspecified ? connection.localAddress.ip : listenAddress.ip, port: listenAddress.port)
    }
    public var multiaddr: Multiaddr { Multiaddr(tcp: listenAddress, peer: peerID) }
    public static let pingProtocol = "/ipfs/ping/1.0.0"

    private init(
        identity: Libp2pIdentity, agentVersion: String, limits: Limits, handlers: [String: Handler], listenAddress: TransportAddress,
        onConnection: (@Sendable (Libp2pConnection) -> Void)?
    ) {
        self.onConnection = onConnection
        self.identity = identity
        self.agentVersion = agentVersion
        self.limits = limits
        self.handlers = handlers
        self.listenAddress = listenAddress
        serverChannel = NIOLockedValueBox(nil)
    }

    /// Binds `address` (port 0 picks one) and starts accepting; `onConnection` hears of each
    /// connection a peer made to it, once upgraded.
    public static func start(
        listen address: TransportAddress, identity: Libp2pIdentity, agentVersion: String, limits: Limits = Limits(),
        handlers: [String: Handler], onConnection: (@Sendable (Libp2pConnection) -> Void)? = nil
    ) async throws -> Libp2pHost {
        let pending = NIOLockedValueBox<Libp2pHost?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    let (raw, forwarder) = Libp2pByteStream.accepted(child)
                    try child.pipeline.syncOperations.addHandler(forwarder)
                    // A connection accepted before `start` has returned its host is turned away.
                    guard let host = pending.withLockedValue({ $0 }) else { throw ChannelError.ioOnClosedChannel }
                    Task { await host.admit(raw) }
                }
            }
            .bind(to: address.socketAddress).get()
        guard let bound = channel.localAddress.flatMap({ TransportAddress($0) }) else {
            try? await channel.close()
            throw Libp2pError.closed("binding \(address)")
        }
        let host = Libp2pHost(
            identity: identity, agentVersion: agentVersion, limits: limits, handlers: handlers, listenAddress: bound, onConnection: onConnection)
        host.serverChannel.withLockedValue { $0 = channel }
        pending.withLockedValue { $0 = host }
        return host
    }

    /// Stops listening and closes every connection.
    public func stop() async {
        try? await serverChannel.withLockedValue { $0 }?.close()
        let open = state.withLockedValue { registry in
            registry.stopped = true
            return registry.byPeer.values.flatMap { $0.values.map(\.connection) }
        }
        for connection in open { await connection.close() }
    }

    /// The newest live connection to `peer`.
    public func connection(to peer: PeerID) -> Libp2pConnection? {
        state.withLockedValue { registry in
            registry.byPeer[peer]?.values.filter { !$0.connection.isClosed }.max { $0.order < $1.order }?.connection
        }
    }

    /// Serves a connection natctl dialed itself, as if the peer had dialed in.
    public func serve(_ connection: Libp2pConnection) async {
        guard register(connection) else { return await connection.close() }
        await run(connection)
    }

    // MARK: Accepting

    private func admit(_ raw: Libp2pByteStream) async {
        guard let remote = raw.remoteAddress, reserveSlot(for: remote.ip) else { return await raw.close() }
        defer { releaseSlot(for: remote.ip) }
        let connection: Libp2pConnection
        do {
            connection = try await Libp2pUpgrade.accept(
                raw, identity: identity, deadline: .now + limits.upgradeTime, maximumInboundStreams: limits.streamsPerConnection)
        } catch {
            return await raw.close()
        }
        guard register(connection) else { return await connection.close() }
        onConnection?(connection)
        await run(connection)
    }

    private func run(_ connection: Libp2pConnection) async {
        await connection.run { stream in Task { await self.dispatch(stream) } }
        state.withLockedValue { registry in
            registry.byPeer[connection.remotePeer]?[ObjectIdentifier(connection)] = nil
            if registry.byPeer[connection.remotePeer]?.isEmpty == true { registry.byPeer[connection.remotePeer] = nil }
        }
    }

    private func reserveSlot(for ip: IPAddress) -> Bool {
        state.withLockedValue { registry in
            guard !registry.stopped, registry.count < limits.connections, registry.perIP[ip, default: 0] < limits.connectionsPerIP else { return false }
            registry.count += 1
            registry.perIP[ip, default: 0] += 1
            return true
        }
    }

    private func releaseSlot(for ip: IPAddress) {
        state.withLockedValue { registry in
            registry.count -= 1
            registry.perIP[ip, default: 1] -= 1
            if registry.perIP[ip] == 0 { registry.perIP[ip] = nil }
        }
    }

    private func register(_ connection: Libp2pConnection) -> Bool {
        state.withLockedValue { registry in
            guard !registry.stopped else { return false }
            registry.registered += 1
            registry.byPeer[connection.remotePeer, default: [:]][ObjectIdentifier(connection)] = (registry.registered, connection)
            return true
        }
    }

    // MARK: Streams

    private var offered: Set<String> { Set(handlers.keys).union([IdentifyMessage.protocolID, Self.pingProtocol]) }

    private func dispatch(_ stream: Libp2pStream) async {
        let proto: String
        do {
            proto = try await Libp2pUpgrade.answer(stream, offering: offered, deadline: .now + limits.upgradeTime)
        } catch {
            return stream.reset()
        }
        stream.protocolID = proto
        switch proto {
        case IdentifyMessage.protocolID: sendIdentify(on: stream)
        case Self.pingProtocol: await answerPings(on: stream)
        default: await handlers[proto]?(stream)
        }
    }

    /// What identify tells a peer: our key, listen address, protocols, and where we see it.
    public func identifyMessage(for connection: Libp2pConnection) -> IdentifyMessage {
        var message = IdentifyMessage()
        message.protocolVersion = "ipfs/0.1.0"
        message.agentVersion = agentVersion
        message.publicKey = identity.publicKey
        message.listenAddrs = [Multiaddr(tcp: listenAddress(over: connection))]
        message.protocols = offered.sorted()
        message.observedAddr = Multiaddr(tcp: connection.remoteAddress)
        return message
    }

    private func sendIdentify(on stream: Libp2pStream) {
        try? stream.sendMessage(identifyMessage(for: stream.connection).encoded)
        stream.closeWrite()
    }

    /// Echoes 32-byte pings until the peer stops (at most one minute). A peer that pings but
    /// grants no window for the answers is not read further once 64 KiB of them wait.
    private func answerPings(on stream: Libp2pStream) async {
        let deadline = ContinuousClock.now + .seconds(60)
        while let bytes = await stream.nextBytes(deadline: deadline) {
            guard (try? stream.send(bytes)) != nil, await stream.waitUntilWritable(below: 64 * 1024, deadline: deadline) else { return stream.reset() }
        }
        stream.closeWrite()
    }
}
