import Libp2pWire
import NATWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP connection read as a byte stream by one reader: chunks arrive from NIO into a
/// `Mailbox`, and `read(_:parse:)` waits (until a deadline) for enough bytes to parse the next
/// message. The plain layer under multistream-select and Noise.
final class Libp2pByteStream: Libp2pLayer, @unchecked Sendable {
    let channel: any Channel
    /// Bytes read but not yet parsed; only the one reader touches it.
    private var reader: ChunkReader

    /// The connection's ends, as the socket had them when the connection was made (a channel
    /// forgets them once closed, and a peer may close right after its last message, as an
    /// AutoNAT dial-back does).
    let remoteAddress: TransportAddress?
    let localAddress: TransportAddress?

    private init(channel: any Channel, reader: ChunkReader) {
        self.channel = channel
        self.reader = reader
        remoteAddress = channel.remoteAddress.flatMap { TransportAddress($0) }
        localAddress = channel.localAddress.flatMap { TransportAddress($0) }
    }

    /// Wraps a connection a listener accepted, and the handler that feeds its reader.
    static func accepted(_ channel: any Channel) -> (stream: Libp2pByteStream, handler: some ChannelInboundHandler) {
        let gate = ReadGate(channel)
        let reader = ChunkReader(onPull: gate.consumed)
        return (Libp2pByteStream(channel: channel, reader: reader), ChunkForwarder(inbox: reader.inbox, gate: gate))
    }

    static func connect(to address: TransportAddress, deadline: ContinuousClock.Instant) async throws(Libp2pError) -> Libp2pByteStream {
        let gate = ReadGate(nil)
        let reader = ChunkReader(onPull: gate.consumed)
        let inbox = reader.inbox
        do {
            let remaining = max(.milliseconds(1), deadline - .now)
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(remaining.timeAmount)
                .channelInitializer { channel in
                    gate.attach(channel)
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ChunkForwarder(inbox: inbox, gate: gate))
                    }
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
        let gate: ReadGate

        init(inbox: Mailbox<Libp2pChunk>, gate: ReadGate) {
            self.inbox = inbox
            self.gate = gate
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            gate.arrived(buffer.readableBytes)
            inbox.push(.bytes(buffer.readBytes(length: buffer.readableBytes) ?? []))
        }

        func channelWritabilityChanged(context: ChannelHandlerContext) {
            gate.writable(context.channel.isWritable)
            context.fireChannelWritabilityChanged()
        }

        func channelInactive(context: ChannelHandlerContext) {
            inbox.push(.closed)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }
}

/// Reading from a socket pauses while its reader is more than `limit` bytes behind, or while
/// the socket cannot take our writes (the peer does not read them, and our answers would pile
/// up in NIO's buffer): a peer cannot grow our memory in either direction.
final class ReadGate: @unchecked Sendable {
    static let limit = 1 << 20
    private struct State {
        var channel: (any Channel)?
        var buffered = 0
        var writable = true
        var reading = true
    }

    private let state: NIOLockedValueBox<State>

    init(_ channel: (any Channel)?) { state = NIOLockedValueBox(State(channel: channel)) }

    func attach(_ channel: any Channel) { state.withLockedValue { $0.channel = channel } }
    func arrived(_ count: Int) { update { $0.buffered += count } }
    func writable(_ writable: Bool) { update { $0.writable = writable } }
    @Sendable func consumed(_ count: Int) { update { $0.buffered -= count } }

    /// Applies a change; when reading should start or stop, the event loop applies whatever the
    /// state is by the time it runs, so flips from two threads cannot land out of order.
    private func update(_ change: (inout State) -> Void) {
        let flipped = state.withLockedValue { state -> (any Channel)? in
            change(&state)
            let read = state.buffered < Self.limit && state.writable
            guard read != state.reading else { return nil }
            state.reading = read
            return state.channel
        }
        guard let channel = flipped else { return }
        channel.eventLoop.execute {
            let read = self.state.withLockedValue { $0.reading }
            try? channel.syncOptions?.setOption(ChannelOptions.autoRead, value: read)
        }
    }
}

/// A layer of a libp2p connection that one task reads messages from and writes bytes to: the
/// plain TCP stream, or the Noise-secured one over it.
protocol Libp2pLayer: AnyObject {
    func send(_ bytes: [UInt8]) throws(Libp2pError)
    func read<T>(_ doing: String, deadline: ContinuousClock.Instant, parse: ([UInt8]) throws(Libp2pDecodeError) -> (T, Int)?) async throws(Libp2pError) -> T
}

/// Bytes read but not yet parsed, and the step both layers repeat: take the next whole message
/// when the bytes hold one. Taking a message costs about its own size, however much is
/// buffered behind it: the parser sees a window that starts small and grows fourfold while the
/// message is incomplete, and the consumed front is dropped only once it is half the buffer.
/// (A peer sending many tiny frames at once would otherwise cost a copy of the whole buffer each.)
struct PendingBytes {
    private var bytes: [UInt8] = []
    private var start = 0
    static let firstWindow = 256

    mutating func append(_ more: [UInt8]) { bytes += more }

    /// Everything buffered, or nil when nothing is.
    mutating func takeAll() -> [UInt8]? {
        guard start < bytes.count else { return nil }
        defer { (bytes, start) = ([], 0) }
        return Array(bytes[start...])
    }

    mutating func next<T>(_ parse: ([UInt8]) throws(Libp2pDecodeError) -> (T, Int)?) throws(Libp2pError) -> T? {
        let available = bytes.count - start
        guard available > 0 else { return nil }
        var window = min(available, Self.firstWindow)
        while true {
            let found: (T, Int)?
            do { found = try parse(Array(bytes[start..<(start + window)])) } catch { throw .malformed(error) }
            if let (value, length) = found {
                start += length
                if start * 2 >= bytes.count {
                    bytes.removeFirst(start)
                    start = 0
                }
                return value
            }
            guard window < available else { return nil }
            window = min(available, window * 4)
        }
    }
}
