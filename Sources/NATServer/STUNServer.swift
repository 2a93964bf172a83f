import NATCore
import NATWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Why the server could not start.
public enum ServerError: Error, CustomStringConvertible {
    case bindFailed(TransportAddress, reason: String)
    case invalidLayout(String)

    public var description: String {
        switch self {
        case .bindFailed(let address, let reason): "cannot listen on \(address): \(reason)"
        case .invalidLayout(let reason): reason
        }
    }
}

/// A STUN server on one address, or on the four sockets of RFC 5780 (two IPs × two ports),
/// answering Binding requests through `BindingResponder`.
public final class STUNServer: Sendable {
    /// The addresses actually bound (ports filled in when 0 was asked for).
    public let layout: ServerLayout
    private let sockets: SocketTable
    /// The TURN relay on the primary socket, when one was configured.
    let turn: TURNService?

    private init(layout: ServerLayout, sockets: SocketTable, turn: TURNService?) {
        self.layout = layout
        self.sockets = sockets
        self.turn = turn
    }

    /// Binds every socket the layout needs and starts answering. Port 0 picks a free port, the
    /// same one for both IPs, as RFC 5780's OTHER-ADDRESS arithmetic requires. With `turn`, the
    /// primary socket also serves TURN (RFC 8656) and reports allocations through `onTURNEvent`.
    public static func start(
        _ requested: ServerLayout, software: String? = "natctl", turn: TURNConfiguration? = nil,
        rendezvous: RendezvousConfiguration? = nil, rates: AnswerRates = AnswerRates(),
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
        let loop = group.next()
        var lastError: (any Error)?
        for _ in 0..<8 {  // port 0 may pick a port that is taken on the other IP: try again
            let table = SocketTable()
            let gate = AnswerGate(rates.stunLimiter())
            let relay = turn.map { TURNService(configuration: $0, loop: loop, gate: gate, onEvent: onTURNEvent) }
            do {
                let layout = try await bindAll(
                    requested, table: table, loop: loop, software: software, turn: relay, gate: gate, rates: rates,
                    rendezvous: rendezvous.map { RendezvousService(configuration: $0, gate: AnswerGate(rates.rendezvousLimiter())) })
                return STUNServer(layout: layout, sockets: table, turn: relay)
            } catch {
                lastError = error
                await table.closeAll()
                if requested.primary.port != 0 && requested.alternate?.port != 0 { break }
            }
        }
        throw lastError ?? ServerError.invalidLayout("could not bind")
    }

    private static func bindAll(
        _ requested: ServerLayout, table: SocketTable, loop: any EventLoop, software: String?, turn: TURNService?,
        gate: AnswerGate, rates: AnswerRates, rendezvous: RendezvousService?
    ) async throws -> ServerLayout {
        let responder = NIOLockedValueBox(BindingResponder(layout: requested, software: software))
        let dialBack = DialBackService(dialFrom: requested.alternate?.ip ?? requested.primary.ip, policy: rates.dialBackPolicy())
        var layout = requested
        for role in requested.roles {
            let address = layout.address(of: role)
            let channel = try await bindSocket(
                address, role: role, table: table, responder: responder, gate: gate, dialBack: dialBack, turn: role == .primary ? turn : nil,
                rendezvous: role == .primary ? rendezvous : nil, loop: loop)
            if role == .primary, let turn { try await loop.submit { turn.attach(listener: channel) }.get() }
            guard let bound = channel.localAddress.flatMap(TransportAddress.init) else { continue }
            if role == .primary { layout.primary.port = bound.port }
            // Once the alternate port is known, later sockets use it.
            if role == SocketRole(alternateIP: false, alternatePort: true), layout.alternate?.port == 0 {
                layout.alternate?.port = bound.port
            }
        }
        responder.withLockedValue { $0.layout = layout }
        return layout
    }

    private static func bindSocket(
        _ address: TransportAddress, role: SocketRole, table: SocketTable,
        responder: NIOLockedValueBox<BindingResponder>, gate: AnswerGate, dialBack: DialBackService, turn: TURNService?,
        rendezvous: RendezvousService?, loop: any EventLoop
    ) async throws -> any Channel {
        let handler = ServerSocketHandler(
            role: role, table: table, responder: responder, gate: gate, dialBack: dialBack, turn: turn, rendezvous: rendezvous)
        do {
            var bootstrap = DatagramBootstrap(group: loop)
            if turn != nil { bootstrap = bootstrap.batchedForRelay() }
            let channel = try await bootstrap
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
                }
                .bind(host: address.ip.description, port: Int(address.port)).get()
            table.set(role, channel)
            return channel
        } catch {
            throw ServerError.bindFailed(address, reason: "\(error)")
        }
    }

    /// Closes every socket and allocation. Safe to call more than once.
    public func stop() async {
        await turn?.shutdown()
        await sockets.closeAll()
    }
}

/// The server's sockets by role, so a request received on one can be answered from another.
final class SocketTable: Sendable {
    private let channels = NIOLockedValueBox<[SocketRole: any Channel]>([:])

    func set(_ role: SocketRole, _ channel: any Channel) { channels.withLockedValue { $0[role] = channel } }
    func channel(_ role: SocketRole) -> (any Channel)? { channels.withLockedValue { $0[role] } }

    func closeAll() async {
        for channel in channels.withLockedValue({ Array($0.values) }) { try? await channel.close() }
    }
}

/// Reads requests on one server socket and writes each reply through the socket it names.
final class ServerSocketHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let role: SocketRole
    let table: SocketTable
    let responder: NIOLockedValueBox<BindingResponder>
    /// Bounds Binding answers per source IP (`AnswerRates.stunPerSecond`).
    let gate: AnswerGate
    let dialBack: DialBackService
    let turn: TURNService?
    let rendezvous: RendezvousService?

    init(
        role: SocketRole, table: SocketTable, responder: NIOLockedValueBox<BindingResponder>, gate: AnswerGate,
        dialBack: DialBackService, turn: TURNService?, rendezvous: RendezvousService?
    ) {
        self.role = role
        self.table = table
        self.responder = responder
        self.gate = gate
        self.dialBack = dialBack
        self.turn = turn
        self.rendezvous = rendezvous
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        if let turn, let first = envelope.data.getInteger(at: envelope.data.readerIndex, as: UInt8.self),
            ChannelDataHeader.isChannelData(firstByte: first)
        {
            return turn.relayChannelData(envelope.data, from: envelope.remoteAddress)  // the hot path: no conversions
        }
        guard let client = TransportAddress(envelope.remoteAddress) else { return }
        if let turn {
            if Self.isTURNMessage(envelope.data) {
                do {
                    let message = try STUNMessage(decoding: envelope.data.readableBytesView)
                    return turn.handle(message, from: client, socket: envelope.remoteAddress)
                } catch {
                    return turn.rejectMalformed(envelope.data, error, socket: envelope.remoteAddress)
                }
            }
        }
        if Self.isRequest(envelope.data, .dialBack), let request = try? STUNMessage(decoding: envelope.data.readableBytesView) {
            return dialBack.handle(request, from: client, on: context.channel)
        }
        if let rendezvous, Self.isRequest(envelope.data, .rendezvous),
            let request = try? STUNMessage(decoding: envelope.data.readableBytesView)
        {
            return rendezvous.handle(request, from: client, on: context.channel)
        }
        if let rendezvous, Self.isMessage(envelope.data, .rendezvous, .indication),
            let indication = try? STUNMessage(decoding: envelope.data.readableBytesView)
        {
            return rendezvous.leave(indication, from: client)
        }
        let responder = responder.withLockedValue { $0 }
        guard let reply = responder.reply(to: envelope.data.readableBytesView, from: client, receivedOn: role), gate.allow(client.ip),
            let channel = table.channel(reply.from), let destination = try? reply.to.socketAddress
        else { return }
        let out = AddressedEnvelope(remoteAddress: destination, data: ByteBuffer(bytes: reply.bytes))
        channel.writeAndFlush(out, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        turn?.flushPending()
    }

    /// Whether the datagram's type field names a TURN method (peeked, not decoded).
    private static func isTURNMessage(_ data: ByteBuffer) -> Bool {
        guard let raw = data.getInteger(at: data.readerIndex, as: UInt16.self), raw & 0xC000 == 0 else { return false }
        return TURNService.methods.contains(STUNMessageType(rawValue: raw).method)
    }

    /// Peeks at the message type so Binding requests, the common case, are decoded only once.
    private static func isRequest(_ data: ByteBuffer, _ method: STUNMethod) -> Bool { isMessage(data, method, .request) }

    private static func isMessage(_ data: ByteBuffer, _ method: STUNMethod, _ kind: STUNClass) -> Bool {
        guard let raw = data.getInteger(at: data.readerIndex, as: UInt16.self), raw & 0xC000 == 0 else { return false }
        let type = STUNMessageType(rawValue: raw)
        return type.method == method && type.messageClass == kind
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A failed send or stray ICMP error concerns one client; the server keeps serving.
    }
}
