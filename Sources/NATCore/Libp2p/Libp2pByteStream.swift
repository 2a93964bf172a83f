import Libp2pWire
import NATWire
import NIOCore
import NIOPosix

/// A TCP connection read as a byte stream by one reader: chunks arrive from NIO into a
/// `Mailbox`, and `read(_:parse:)` waits (until a deadline) for enough bytes to parse the next
/// message. The plain layer under multistream-select and Noise.
final class Libp2pByteStream: Libp2pLayer, @unchecked Sendable {
    let channel: any Channel
    /// Bytes read but not yet parsed; only the one reader touches it.
    private var reader: ChunkReader

    private init(channel: any Channel, reader: ChunkReader) {
        self.channel = channel
        self.reader = reader
    }

    /// The connection's far end (nil once it has closed).
    var remoteAddress: TransportAddress? { channel.remoteAddress.flatMap { TransportAddress($0) } }
    var localAddress: TransportAddress? { channel.localAddress.flatMap { TransportAddress($0) } }

    /// Wraps a connection a listener accepted; `install` adds the handler that feeds the reader.
    static func accepted(_ channel: any Channel) -> (stream: Libp2pByteStream, handler: some ChannelInboundHandler) {
        let reader = ChunkReader()
        return (Libp2pByteStream(channel: channel, reader: reader), ChunkForwarder(inbox: reader.inbox))
    }

    static func connect(to address: TransportAddress, deadline: ContinuousClock.Instant) async throws(Libp2pError) -> Libp2pByteStream {
        let reader = ChunkReader()
        let inbox = reader.inbox
        do {
            let remaining = max(.milliseconds(1), deadline - .now)
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(remaining.timeAmount)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(ChunkForwarder(inbox: inbox)) }
                }
                .connect(to: address.socketAddress).get()
            return Libp2pByteStream(channel: channel, reader: reader)
        } catch {
            throw .connectFailed("\(address): \(error)")
        }
    }

    func send(_ bytes: [UInt8]) { channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil) }

    /// Waits until `parse` finds a message at the start of the buffered bytes, and takes it.
    func read<T>(_ doing: String, deadline: ContinuousClock.Instant, parse: ([UInt8]) throws(Libp2pDecodeError) -> (T, Int)?) async throws(Libp2pError) -> T {
        try await reader.read(doing, deadline: deadline, parse: parse)
    }

    func close() async { try? await channel.close() }

    /// Hands each read chunk, and the end of the connection, to the reader's mailbox.
    final class ChunkForwarder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let inbox: Mailbox<Libp2pChunk>
        init(inbox: Mailbox<Libp2pChunk>) { self.inbox = inbox }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            inbox.push(.bytes(buffer.readBytes(length: buffer.readableBytes) ?? []))
        }

        func channelInactive(context: ChannelHandlerContext) {
            inbox.push(.closed)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }
}

/// A layer of a libp2p connection that one task reads messages from and writes bytes to: the
/// plain TCP stream, or the Noise-secured one over it.
protocol Libp2pLayer: AnyObject {
    func send(_ bytes: [UInt8]) throws(Libp2pError)
    func read<T>(_ doing: String, deadline: ContinuousClock.Instant, parse: ([UInt8]) throws(Libp2pDecodeError) -> (T, Int)?) async throws(Libp2pError) -> T
}

/// Bytes read but not yet parsed, and the step both layers repeat: take the next whole message
/// when the bytes hold one.
struct PendingBytes {
    private var bytes: [UInt8] = []

    mutating func append(_ more: [UInt8]) { bytes += more }

    /// Everything buffered, or nil when nothing is.
    mutating func takeAll() -> [UInt8]? {
        guard !bytes.isEmpty else { return nil }
        defer { bytes = [] }
        return bytes
    }

    mutating func next<T>(_ parse: ([UInt8]) throws(Libp2pDecodeError) -> (T, Int)?) throws(Libp2pError) -> T? {
        do {
            guard let (value, length) = try parse(bytes) else { return nil }
            bytes.removeFirst(length)
            return value
        } catch {
            throw .malformed(error)
        }
    }
}
