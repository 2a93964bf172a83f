import NATNIO
import NATWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// Why the server could not start.
public enum ServerError: Error, CustomStringConvertible {
    case bindFailed(TransportAddress, reason: String)
    case invalidLayout(String)
    /// The TLS certificate or key cannot be used.
    case tls(String)

    public var description: String {
        switch self {
        case .bindFailed(let address, let reason): "cannot listen on \(address): \(reason)"
        case .invalidLayout(let reason): reason
        case .tls(let reason): reason
        }
    }
}

/// A STUN server on one address, or on the four sockets of RFC 5780 (two IPs × two ports),
/// answering Binding requests through `BindingResponder`.
public final class STUNServer: Sendable {
    /// The addresses actually bound (ports filled in when 0 was asked for).
    public let layout: ServerLayout
    /// Where STUN and TURN are served over TCP and TLS (nil: not served).
    public let streams: StreamAddresses
    private let sockets: SocketTable

    public struct StreamAddresses: Sendable, Equatable {
        public var tcp: TransportAddress?
        public var tls: TransportAddress?
    }

    private init(layout: ServerLayout, streams: StreamAddresses, sockets: SocketTable) {
        self.layout = layout
        self.streams = streams
        self.sockets = sockets
    }

    /// Binds every socket the layout needs and starts answering. Port 0 picks a free port, the
    /// same one for both IPs, as RFC 5780's OTHER-ADDRESS arithmetic requires. With `turn`, the
    /// primary socket also serves TURN (RFC 8656) on `relayThreads` threads of its own
    /// (`RelayThreads`) and reports allocations through `onTURNEvent`. With `streams`, the
    /// primary address also serves over TCP, and over TLS on a port of its own.
    public static func start(
        _ requested: ServerLayout, software: String? = "natctl", turn: TURNConfiguration? = nil, relayThreads: Int = 1,
        rendezvous: RendezvousConfiguration? = nil, rates: AnswerRates = AnswerRates(), streams: StreamConfiguration? = nil,
        onTURNEvent: @escaping @Sendable (TURNEvent) -> Void = { _ in },
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> STUNServer {
        if let alternate = requested.alternate {
            guard alternate.ip != requested.primary.ip else {
                throw ServerError.invalidLayout("the alternate IP must differ from the primary IP (RFC 5780 §4.1)")
            }
            guard alternate.ip.family == requested.primary.ip.family else {
                throw ServerError.invalidLayout("primary and alternate addresses must be of one IP family")
            }
            guard alternate.port != requested.primary.port || alternate.port == 0 else {
                throw ServerError.invalidLayout("the alternate port must differ from the primary port (RFC 5780 §4.1)")
            }
        }
        let tls = try streams?.tls?.context()
        let loop = group.next()
        var lastError: (any Error)?
        for _ in 0..<8 {  // port 0 may pick a port that is taken on the other IP: try again
            let table = SocketTable()
            let gate = AnswerGate(rates.stunLimiter())
            let relay = turn.map { RelayRequest(configuration: $0, threads: relayThreads, onEvent: onTURNEvent) }
            do {
                let (layout, dispatch) = try await bindAll(
                    requested, table: table, loop: loop, software: software, relay: relay, gate: gate, rates: rates,
                    rendezvous: rendezvous.map { RendezvousService(configuration: $0, gate: AnswerGate(rates.rendezvousLimiter())) })
                var addresses = StreamAddresses()
                if let streams {
                    addresses = try await bindStreams(streams, tls: tls, at: layout.primary, dispatch: dispatch, table: table, group: group, loop: loop)
                }
                return STUNServer(layout: layout, streams: addresses, sockets: table)
            } catch {
                lastError = error
                await table.closeAll()
                if requested.primary.port != 0 && requested.alternate?.port != 0 { break }
            }
        }
        throw lastError ?? ServerError.invalidLayout("could not bind")
    }

    /// What `start` was asked for the TURN relay.
    struct RelayRequest {
        var configuration: TURNConfiguration
        var threads: Int
        var onEvent: @Sendable (TURNEvent) -> Void
    }

    private static func bindAll(
        _ requested: ServerLayout, table: SocketTable, loop: any EventLoop, software: String?, relay: RelayRequest?,
        gate: AnswerGate, rates: AnswerRates, rendezvous: RendezvousService?
    ) async throws -> (ServerLayout, primary: ServerDispatch?) {
        let responder = NIOLockedValueBox(BindingResponder(layout: requested, software: software))
        let dialBack = DialBackService(dialFrom: requested.alternate?.ip ?? requested.primary.ip, policy: rates.dialBackPolicy())
        var layout = requested
        var primary: ServerDispatch?
        for role in requested.roles {
            let address = layout.address(of: role)
            let dispatch = ServerDispatch(
                role: role, table: table, responder: responder, gate: gate, dialBack: dialBack, rendezvous: role == .primary ? rendezvous : nil)
            if role == .primary { primary = dispatch }
            let bound: TransportAddress
            if role == .primary, let relay {
                // The relay threads read the primary socket and answer what is not TURN there too,
                // through the same (locked) dispatch: a Binding answer takes no extra thread hop,
                // so the primary answers as fast as RFC 5780's other sockets. Dial-back's dials
                // run on this loop.
                let threads = try await RelayThreads.start(
                    at: address, threads: relay.threads, configuration: relay.configuration, gate: gate, onEvent: relay.onEvent,
                    otherMessage: { buffer, source, socket in
                        dispatch.handle(buffer, from: source.socketAddress, replyingThrough: socket, on: loop)
                    })
                table.set(role, outlet: threads.services[0].listener!, relay: threads)
                bound = threads.address
            } else {
                let channel = try await bindSocket(address, dispatch: dispatch, table: table, loop: loop)
                guard let local = channel.localAddress.flatMap(TransportAddress.init) else { continue }
                bound = local
            }
            if role == .primary { layout.primary.port = bound.port }
            // Once the alternate port is known, later sockets use it.
            if role == SocketRole(alternateIP: false, alternatePort: true), layout.alternate?.port == 0 {
                layout.alternate?.port = bound.port
            }
        }
        responder.withLockedValue { $0.layout = layout }
        return (layout, primary)
    }

    /// TCP on the primary address's port, TLS on its own; both hand TURN to the relay threads.
    private static func bindStreams(
        _ configuration: StreamConfiguration, tls: NIOSSLContext?, at primary: TransportAddress, dispatch: ServerDispatch?,
        table: SocketTable, group: any EventLoopGroup, loop: any EventLoop
    ) async throws -> StreamAddresses {
        guard let dispatch, configuration.tcp || tls != nil else { return StreamAddresses() }
        let router = StreamRouter(limits: configuration.limits, services: table.relay?.services ?? [], dispatch: dispatch, loop: loop)
        table.set(router: router)
        var addresses = StreamAddresses()
        if configuration.tcp {
            let channel = try await StreamListener.bind(primary, tls: nil, router: router, group: group)
            table.add(listener: channel)
            addresses.tcp = channel.localAddress.flatMap(TransportAddress.init)
        }
        if let tls, let port = configuration.tls?.port {
            let channel = try await StreamListener.bind(TransportAddress(ip: primary.ip, port: port), tls: tls, router: router, group: group)
            table.add(listener: channel)
            addresses.tls = channel.localAddress.flatMap(TransportAddress.init)
        }
        return addresses
    }

    private static func bindSocket(
        _ address: TransportAddress, dispatch: ServerDispatch, table: SocketTable, loop: any EventLoop
    ) async throws -> any Channel {
        let handler = ServerSocketHandler(dispatch: dispatch)
        do {
            let channel = try await DatagramBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
                }
                .bind(host: address.ip.description, port: Int(address.port)).get()
            table.set(dispatch.role, channel: channel)
            return channel
        } catch {
            throw ServerError.bindFailed(address, reason: "\(error)")
        }
    }

    /// How many allocations each relay thread holds (empty without TURN), in thread order: shows
    /// how the kernel spread clients over the threads' sockets.
    public func allocationsPerRelayThread() async -> [Int] {
        guard let relay = sockets.relay else { return [] }
        var counts: [Int] = []
        for service in relay.services {
            counts.append((try? await service.loop.submit { service.allocations.count }.get()) ?? 0)
        }
        return counts
    }

    /// Closes every socket and allocation. Safe to call more than once.
    public func stop() async {
        await sockets.closeAll()
    }
}

/// The server's sockets by role, so a request received on one can be answered from another;
/// the relay threads own the primary socket when TURN is on.
final class SocketTable: Sendable {
    private struct Sockets {
        var outlets: [SocketRole: any DatagramOutlet] = [:]
        var channels: [any Channel] = []
        var relay: RelayThreads?
        var streams: StreamRouter?
    }

    private let sockets = NIOLockedValueBox(Sockets())

    func set(_ role: SocketRole, channel: any Channel) {
        sockets.withLockedValue {
            $0.outlets[role] = ChannelOutlet(channel: channel)
            $0.channels.append(channel)
        }
    }

    func set(_ role: SocketRole, outlet: any DatagramOutlet, relay: RelayThreads) {
        sockets.withLockedValue {
            $0.outlets[role] = outlet
            $0.relay = relay
        }
    }

    func set(router: StreamRouter) { sockets.withLockedValue { $0.streams = router } }
    func add(listener: any Channel) { sockets.withLockedValue { $0.channels.append(listener) } }

    func outlet(_ role: SocketRole) -> (any DatagramOutlet)? { sockets.withLockedValue { $0.outlets[role] } }

    /// How to reach a client the server did not just hear from (a rendezvous push): down its
    /// TCP or TLS connection when it has one open, else from the primary socket.
    func outlet(reaching client: TransportAddress) -> (any DatagramOutlet)? {
        let (streams, primary) = sockets.withLockedValue { ($0.streams, $0.outlets[.primary]) }
        return streams?.client(at: client) ?? primary
    }
    var relay: RelayThreads? { sockets.withLockedValue { $0.relay } }

    /// Closes every socket and allocation (the relay's first, so peers' last datagrams find no
    /// half-closed server). Safe to call twice.
    func closeAll() async {
        let (channels, relay, streams) = sockets.withLockedValue { sockets in
            defer { sockets = Sockets() }
            return (sockets.channels, sockets.relay, sockets.streams)
        }
        await relay?.shutdown()
        await streams?.closeAll()
        for channel in channels { try? await channel.close() }
    }
}

/// What one server socket answers besides TURN: Binding (RFC 5780 roles), dial-back and
/// rendezvous, each reply leaving through the socket `BindingResponder` or the service names.
/// Safe from any thread (its state is behind locks): NIO's loop calls it for RFC 5780's other
/// sockets, the relay threads for the primary socket.
struct ServerDispatch: Sendable {
    let role: SocketRole
    let table: SocketTable
    let responder: NIOLockedValueBox<BindingResponder>
    /// Bounds Binding answers per source IP (`AnswerRates.stunPerSecond`).
    let gate: AnswerGate
    let dialBack: DialBackService
    let rendezvous: RendezvousService?

    /// `overStream`: the message came over TCP or TLS, and `outlet` is that connection. A
    /// Binding answer then goes down it only when it would leave from this socket anyway: a
    /// CHANGE-REQUEST cannot be honoured over a stream, and gets no answer.
    func handle(
        _ data: ByteBuffer, from source: SocketAddress, replyingThrough outlet: any DatagramOutlet, on loop: any EventLoop,
        overStream: Bool = false
    ) {
        guard let client = TransportAddress(source) else { return }
        if Self.isRequest(data, .dialBack), let request = try? STUNMessage(decoding: data.readableBytesView) {
            // Refusals (400, 403, 429) are answers too: they count against the source's rate.
            guard gate.allow(client.ip) else { return }
            return dialBack.handle(request, from: client, replyingThrough: outlet, on: loop)
        }
        if let rendezvous, Self.isRequest(data, .rendezvous), let request = try? STUNMessage(decoding: data.readableBytesView) {
            return rendezvous.handle(request, from: client, replyingThrough: outlet, pushingThrough: { table.outlet(reaching: $0) ?? outlet })
        }
        if let rendezvous, Self.isMessage(data, .rendezvous, .indication),
            let indication = try? STUNMessage(decoding: data.readableBytesView)
        {
            return rendezvous.leave(indication, from: client)
        }
        let responder = responder.withLockedValue { $0 }
        guard let reply = responder.reply(to: data.readableBytesView, from: client, receivedOn: role), gate.allow(client.ip),
            let from = overStream ? (reply.from == role ? outlet : nil) : table.outlet(reply.from)
        else { return }
        from.send(reply.bytes, to: reply.to)
    }

    /// Peeks at the message type so Binding requests, the common case, are decoded only once.
    private static func isRequest(_ data: ByteBuffer, _ method: STUNMethod) -> Bool { isMessage(data, method, .request) }

    private static func isMessage(_ data: ByteBuffer, _ method: STUNMethod, _ kind: STUNClass) -> Bool {
        guard let raw = data.getInteger(at: data.readerIndex, as: UInt16.self), raw & 0xC000 == 0 else { return false }
        let type = STUNMessageType(rawValue: raw)
        return type.method == method && type.messageClass == kind
    }
}

/// Reads datagrams on one NIO server socket and hands them to its `ServerDispatch`.
final class ServerSocketHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    let dispatch: ServerDispatch

    init(dispatch: ServerDispatch) { self.dispatch = dispatch }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        dispatch.handle(envelope.data, from: envelope.remoteAddress, replyingThrough: ChannelOutlet(channel: context.channel), on: context.eventLoop)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A failed send or stray ICMP error concerns one client; the server keeps serving.
    }
}
