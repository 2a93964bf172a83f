import NIOCore

/// Lets `TransactionHandler`, written for datagrams, run over a stream to one server: each
/// frame read becomes an envelope from the server, and each envelope written becomes bytes on
/// the stream (ChannelData padded to 4 bytes, as streams require; the address is the server's
/// by construction).
final class StreamDatagramAdapter: ChannelDuplexHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = AddressedEnvelope<ByteBuffer>
    typealias OutboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = ByteBuffer

    let server: SocketAddress

    init(server: SocketAddress) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(wrapInboundOut(AddressedEnvelope(remoteAddress: server, data: unwrapInboundIn(data))))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var bytes = unwrapOutboundIn(data).data
        let padding = (4 - bytes.readableBytes % 4) % 4
        if padding > 0 { bytes.writeRepeatingByte(0, count: padding) }
        context.write(wrapOutboundOut(bytes), promise: promise)
    }
}
