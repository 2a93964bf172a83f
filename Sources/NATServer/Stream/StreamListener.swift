import NATNIO
import NATWire
import NIOCore
import NIOPosix
import NIOSSL

/// How `relay serve` listens over streams: TCP on the primary address's port (RFC 8489 §6.2.2,
/// like coturn's default), and TLS on its own port when given a certificate (§6.2.3).
public struct StreamConfiguration: Sendable {
    /// STUN and TURN over TCP on the primary port (`--no-tcp` turns it off).
    public var tcp = true
    /// STUN and TURN over TLS, when set (`--cert`, `--pkey`, `--tls-listening-port`).
    public var tls: TLSServerConfiguration?
    var limits = StreamRouter.Limits()

    public init(tcp: Bool = true, tls: TLSServerConfiguration? = nil) {
        self.tcp = tcp
        self.tls = tls
    }

    /// Open connections in all, and per client subscriber (an IPv4 address or an IPv6 /64).
    public var totalConnections: Int {
        get { limits.total }
        set { limits.total = newValue }
    }
    public var connectionsPerSubscriber: Int {
        get { limits.perSubscriber }
        set { limits.perSubscriber = newValue }
    }
}

/// A certificate chain and key in PEM files, and the port to serve TLS on.
public struct TLSServerConfiguration: Sendable {
    public var certificateFile: String
    public var privateKeyFile: String
    public var port: UInt16

    public init(certificateFile: String, privateKeyFile: String, port: UInt16 = 5349) {
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
        self.port = port
    }

    /// Loads the files; throws naming what is wrong with them.
    func context() throws -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(certificateFile) } catch {
            throw ServerError.tls("cannot read the certificate chain in \(certificateFile): \(error)")
        }
        guard !chain.isEmpty else { throw ServerError.tls("\(certificateFile) holds no PEM certificate") }
        let key: NIOSSLPrivateKey
        do { key = try NIOSSLPrivateKey(file: privateKeyFile, format: .pem) } catch {
            throw ServerError.tls("cannot read the private key in \(privateKeyFile): \(error)")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        do { return try NIOSSLContext(configuration: configuration) } catch {
            throw ServerError.tls("the certificate and key do not make a TLS context (do they match?): \(error)")
        }
    }
}

/// Binds the listening sockets for streams.
enum StreamListener {
    static func bind(_ address: TransportAddress, tls: NIOSSLContext?, router: StreamRouter, group: any EventLoopGroup) async throws -> any Channel {
        do {
            return try await ServerBootstrap(group: group)
                .serverChannelOption(ChannelOptions.backlog, value: 256)
                .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(ChannelOptions.writeBufferWaterMark, value: .init(low: 64 * 1024, high: 256 * 1024))
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
                        try pipeline.addHandler(IdleStateHandler(readTimeout: router.limits.idle))
                        try pipeline.addHandler(ByteToMessageHandler(STUNStreamDecoder()))
                        try pipeline.addHandler(StreamConnectionHandler(router: router, overTLS: tls != nil))
                    }
                }
                .bind(host: address.ip.description, port: Int(address.port)).get()
        } catch {
            throw ServerError.bindFailed(address, reason: "\(tls == nil ? "TCP" : "TLS"): \(error)")
        }
    }
}

/// One connection's end of the server: registers it with the router, hands it every message,
/// and closes it on a protocol error, on a limit, or when it stays silent too long.
final class StreamConnectionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private let router: StreamRouter
    private let overTLS: Bool
    // Confined to the connection's event loop.
    private var client: StreamClient?
    private var firstMessageTimer: Scheduled<Void>?

    init(router: StreamRouter, overTLS: Bool) {
        self.router = router
        self.overTLS = overTLS
    }

    func channelActive(context: ChannelHandlerContext) {
        guard let remote = context.channel.remoteAddress.flatMap(TransportAddress.init),
            let client = router.open(channel: context.channel, remote: remote, overTLS: overTLS)
        else { return context.close(promise: nil) }
        self.client = client
        let channel = context.channel
        firstMessageTimer = context.eventLoop.scheduleTask(in: router.limits.firstMessage) { channel.close(promise: nil) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        firstMessageTimer?.cancel()
        firstMessageTimer = nil
        guard let client else { return }
        router.received(unwrapInboundIn(data), from: client)
    }

    func channelInactive(context: ChannelHandlerContext) {
        firstMessageTimer?.cancel()
        if let client { router.closed(client) }
        client = nil
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { return context.close(promise: nil) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Not STUN, a failed TLS handshake, a reset: this connection ends, the server goes on.
        context.close(promise: nil)
    }
}
