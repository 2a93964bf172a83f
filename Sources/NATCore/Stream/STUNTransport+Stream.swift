import NATWire
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

extension STUNTransport {
    /// Connects to `server` over TCP or TLS (`transport`), for STUN transactions and TURN
    /// over a stream: the same interface as a UDP transport, with every message going to and
    /// coming from that one server. Returns once the connection (and the TLS handshake) is up.
    ///
    /// - Throws: `TransactionError.connectFailed` (refused, timed out) or `.tlsFailed` (an
    ///   untrusted certificate, a name that does not match, not a TLS port).
    public static func connect(
        to server: TransportAddress, over transport: ServerTransport, limit: Duration = .seconds(5),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onUnmatched: (@Sendable (AddressedEnvelope<ByteBuffer>) -> Void)? = nil
    ) async throws(TransactionError) -> STUNTransport {
        let address: SocketAddress
        do { address = try server.socketAddress } catch { throw .sendFailed(server: server, reason: "\(error)") }
        let tls: NIOSSLContext?
        var serverName: String?
        switch transport {
        case .udp:
            throw .sendFailed(server: server, reason: "connect is for TCP and TLS; bind a UDP transport instead")
        case .tcp:
            tls = nil
        case .tls(let options):
            do { tls = try clientContext(options) } catch { throw .sendFailed(server: server, reason: "TLS setup: \(error)") }
            serverName = options.serverName
        }
        let handler = TransactionHandler(onUnmatched: onUnmatched, overStream: true)
        let handshake = group.next().makePromise(of: Void.self)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(limit.timeAmount)
            .channelOption(ChannelOptions.Types.SocketOption(level: .tcp, name: .tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName))
                        try pipeline.addHandler(TLSHandshakeWaiter(done: handshake))
                    } else {
                        handshake.succeed()
                    }
                    try pipeline.addHandler(ByteToMessageHandler(STUNStreamDecoder()))
                    try pipeline.addHandler(StreamDatagramAdapter(server: address))
                    try pipeline.addHandler(handler)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(to: address).get()
        } catch {
            handshake.fail(error)
            throw .connectFailed(server: server, transport: transport.name, reason: Self.connectFailure(error))
        }
        let timeout = channel.eventLoop.scheduleTask(in: limit.timeAmount) { handshake.fail(TLSHandshakeWaiter.TimedOut()) }
        do {
            try await handshake.futureResult.get()
            timeout.cancel()
        } catch {
            timeout.cancel()
            try? await channel.close()
            throw .tlsFailed(server: server, reason: Self.tlsFailure(error, name: serverName ?? server.ip.description))
        }
        guard let local = channel.localAddress.flatMap(TransportAddress.init) else {
            try? await channel.close()
            throw .sendFailed(server: server, reason: "the connection has no local address")
        }
        return STUNTransport(channel: channel, handler: handler, localAddress: local, isStream: true)
    }

    private static func clientContext(_ options: TLSClientOptions) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if options.insecure {
            configuration.certificateVerification = .none
        } else if let caFile = options.caFile {
            configuration.trustRoots = .file(caFile)
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// Why a TLS handshake failed, in words a user can act on (BoringSSL's reason names kept).
    static func tlsFailure(_ error: any Error, name: String) -> String {
        let text = "\(error)"
        if text.contains("failedToValidateHostname") { return "the server's certificate is not for \(name)" }
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "the server's certificate is not trusted (CERTIFICATE_VERIFY_FAILED): trust the CA that signed it, or skip the check in a lab"
        }
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("EOF during handshake") || error is TLSHandshakeWaiter.Closed {
            return "the server did not complete a TLS handshake (is this a TLS port?)"
        }
        if error is TLSHandshakeWaiter.TimedOut { return "no TLS handshake in time" }
        return text
    }

    /// "connection refused" rather than NIO's wrapped error text.
    private static func connectFailure(_ error: any Error) -> String {
        if let connect = error as? NIOConnectionError, let first = connect.connectionErrors.first {
            return Self.connectFailure(first.error)
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        if let channelError = error as? ChannelError, case .connectTimeout = channelError { return "connection timed out" }
        return "\(error)"
    }
}

/// Completes `done` when the TLS handshake does, or fails it with the handshake's error.
final class TLSHandshakeWaiter: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    struct TimedOut: Error, CustomStringConvertible {
        var description: String { "no answer in time" }
    }

    struct Closed: Error, CustomStringConvertible {
        var description: String { "the server closed the connection" }
    }

    let done: EventLoopPromise<Void>

    init(done: EventLoopPromise<Void>) { self.done = done }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { done.succeed() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(Closed())
        context.fireChannelInactive()
    }
}
