import Dispatch
import NATCore
import NATServer
import NATWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

struct Datagram: Sendable {
    var bytes: [UInt8]
    var source: TransportAddress
}

struct InboxTimeout: Error {}

typealias DatagramQueue = ArrivalQueue<Datagram>

/// A queue of arrivals (datagrams, events) whose `next()` waits for the next one, at most
/// `limit`, and throws `InboxTimeout` rather than hang.
final class ArrivalQueue<Element: Sendable>: Sendable {
    private let mailbox = Mailbox<Element>()

    func push(_ element: Element) { mailbox.push(element) }

    func next(limit: Duration = .seconds(3)) async throws -> Element {
        guard let element = await mailbox.next(within: limit) else { throw InboxTimeout() }
        return element
    }
}

private final class CollectingHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let queue: DatagramQueue
    init(queue: DatagramQueue) { self.queue = queue }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let source = TransportAddress(envelope.remoteAddress) else { return }
        queue.push(Datagram(bytes: Array(envelope.data.readableBytesView), source: source))
    }
}

/// A UDP socket on 127.0.0.1 that only collects what it receives.
struct UDPInbox {
    let channel: any Channel
    let queue: DatagramQueue
    var port: UInt16 { UInt16(channel.localAddress?.port ?? 0) }

    static func bind(ip: String = "127.0.0.1") async throws -> UDPInbox {
        let queue = DatagramQueue()
        let handler = CollectingHandler(queue: queue)
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
            .bind(host: ip, port: 0).get()
        return UDPInbox(channel: channel, queue: queue)
    }

    var address: TransportAddress { channel.localAddress.flatMap(TransportAddress.init)! }

    func next() async throws -> Datagram { try await queue.next() }

    func send(_ bytes: [UInt8], to destination: TransportAddress) async throws {
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: destination.socketAddress, data: ByteBuffer(bytes: bytes)))
    }

    func close() async { try? await channel.close() }
}

/// A Binding server that drops its first `dropFirst` requests, to exercise retransmission.
struct LossyServer {
    let inbox: UDPInbox
    let task: Task<Void, Never>
    var address: TransportAddress { TransportAddress(ip: IPAddress("127.0.0.1")!, port: inbox.port) }

    static func start(dropFirst: Int) async throws -> LossyServer {
        let inbox = try await UDPInbox.bind()
        let responder = BindingResponder(layout: ServerLayout(primary: TransportAddress(ip: IPAddress("127.0.0.1")!, port: inbox.port)))
        let channel = inbox.channel
        let task = Task {
            var seen = 0
            while let datagram = try? await inbox.queue.next(limit: .seconds(10)) {
                seen += 1
                guard seen > dropFirst,
                    let reply = responder.reply(to: datagram.bytes, from: datagram.source, receivedOn: .primary),
                    let destination = try? reply.to.socketAddress
                else { continue }
                try? await channel.writeAndFlush(AddressedEnvelope(remoteAddress: destination, data: ByteBuffer(bytes: reply.bytes)))
            }
        }
        return LossyServer(inbox: inbox, task: task)
    }

    func close() async {
        task.cancel()
        await inbox.close()
    }
}
