import NATWire
import NIOCore
import NIOPosix

extension STUNTransport {
    /// A transport on a UDP port that another process owns, WireGuard's: datagrams leave from
    /// that port through a raw socket (`SharedPortSender`) and STUN and ChannelData sent to it
    /// are read from a packet socket (`SharedPortCapture`), so the owner keeps running
    /// undisturbed. Transactions, `send` and `onUnmatched` behave as on a socket of our own.
    /// Needs CAP_NET_RAW.
    ///
    /// Underneath is an ordinary channel on a loopback socket that nothing sends to: it
    /// carries the pipeline and event loop, and `SharedPortBridge`, first in that pipeline,
    /// turns its writes into raw sends and feeds the captured datagrams in.
    public static func sharingPort(
        _ port: UInt16, family: IPAddress.Family, mark: UInt32 = 0, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onUnmatched: (@Sendable (AddressedEnvelope<ByteBuffer>) -> Void)? = nil
    ) async throws -> STUNTransport {
        let sender = try SharedPortSender(port: port, family: family, mark: mark)
        let handler = TransactionHandler(onUnmatched: onUnmatched)
        let bridge = SharedPortBridge(sender: sender)
        let channel = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandlers([bridge, handler]) }
            }
            .bind(host: family == .ipv4 ? "127.0.0.1" : "::1", port: 0).get()
        let eventLoop = channel.eventLoop
        do {
            let capture = try SharedPortCapture(port: port) { source, payload in
                guard source.ip.family == family, let address = try? source.socketAddress else { return }
                let envelope = AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: payload))
                eventLoop.execute { bridge.inject(envelope) }
            }
            try await eventLoop.submit { bridge.capture = capture }.get()
        } catch {
            try? await channel.close()
            throw error
        }
        return STUNTransport(channel: channel, handler: handler, localAddress: TransportAddress(ip: .unspecified(family), port: port))
    }
}

/// The first handler of a shared-port transport's pipeline (see `STUNTransport.sharingPort`).
/// Touched only on the channel's event loop.
final class SharedPortBridge: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias InboundOut = AddressedEnvelope<ByteBuffer>
    typealias OutboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let sender: SharedPortSender
    private var context: ChannelHandlerContext?
    var capture: SharedPortCapture?

    init(sender: SharedPortSender) { self.sender = sender }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        capture?.stop()
        capture = nil
    }

    /// A captured datagram, handed on as if the loopback socket had read it.
    func inject(_ envelope: AddressedEnvelope<ByteBuffer>) {
        context?.fireChannelRead(wrapInboundOut(envelope))
    }

    /// Whatever reaches the loopback socket itself is not from the shared port: dropped.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let envelope = unwrapOutboundIn(data)
        guard let destination = TransportAddress(envelope.remoteAddress) else {
            promise?.fail(ChannelError.badInterfaceAddressFamily)
            return
        }
        if let failure = sender.send(envelope.data.readableBytesView, to: destination) {
            promise?.fail(IOError(errnoCode: failure, reason: "sendto (raw, from port \(sender.port))"))
        } else {
            promise?.succeed()
        }
    }

    func flush(context: ChannelHandlerContext) {}
}
