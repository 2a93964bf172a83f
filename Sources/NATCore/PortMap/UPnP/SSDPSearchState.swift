import NATWire
import NIOCore

/// What the search sockets have heard, on their shared event loop: completes the promise once,
/// with the gateway's own answer at once, another host's after a grace period, or nil when
/// the time is up or every socket has closed.
final class SSDPSearchState {
    private let gateway: IPAddress
    private let promise: EventLoopPromise<SSDPSearch.Answer?>
    private let grace: TimeAmount
    /// The first answer from an address other than the gateway's.
    private(set) var fallback: SSDPSearch.Answer?
    private(set) var sendErrors: [String] = []
    private var openSockets = 0
    private var finished = false

    init(gateway: IPAddress, promise: EventLoopPromise<SSDPSearch.Answer?>, grace: TimeAmount) {
        self.gateway = gateway
        self.promise = promise
        self.grace = grace
    }

    func received(_ answer: SSDPSearch.Answer, on loop: any EventLoop) {
        guard !finished else { return }
        if answer.source == gateway {
            finish(answer)
        } else if fallback == nil {
            fallback = answer
            let bound = NIOLoopBound(self, eventLoop: loop)
            loop.scheduleTask(in: grace) { bound.value.finish(bound.value.fallback) }
        }
    }

    func sendFailed(toward destination: TransportAddress, _ error: any Error) {
        let text = "\(destination): \(error)"
        if sendErrors.count < 8, !sendErrors.contains(text) { sendErrors.append(text) }
    }

    func socketOpened() { openSockets += 1 }

    /// A socket closed (a send error closes it): when none is left, nothing more can arrive.
    func socketClosed() {
        openSockets -= 1
        if openSockets <= 0 { finish(fallback) }
    }

    func finish(_ answer: SSDPSearch.Answer?) {
        guard !finished else { return }
        finished = true
        promise.succeed(answer)
    }
}

/// One search socket's handler: parses answers for the shared state and reports errors and the
/// close a failed send causes.
final class SSDPAnswerCollector: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let state: SSDPSearchState
    private let destination: TransportAddress

    init(state: SSDPSearchState, destination: TransportAddress) {
        self.state = state
        self.destination = destination
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        var buffer = envelope.data
        guard let bytes = buffer.readBytes(length: min(buffer.readableBytes, SSDPResponse.maximumSize + 1)),
            let source = envelope.remoteAddress.ipAddress.flatMap(IPAddress.init),
            let response = try? SSDPResponse(parsing: bytes)
        else { return }
        state.received(SSDPSearch.Answer(response: response, source: source), on: context.eventLoop)
    }

    func channelActive(context: ChannelHandlerContext) {
        state.socketOpened()
        context.fireChannelActive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        state.sendFailed(toward: destination, error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.socketClosed()
        context.fireChannelInactive()
    }
}
