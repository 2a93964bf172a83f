import NATWire
import NIOCore
import NIOPosix

/// The SSDP half of discovery: one UDP socket sends M-SEARCH for IGD:1 and IGD:2 to the
/// gateway (unicast) and to the multicast group, repeated at `schedule` offsets because UDP
/// and busy routers drop packets, and waits for the first usable answer.
///
/// An answer from the gateway's own address wins at once. An answer from elsewhere (a second
/// router, a media box bridging UPnP) is kept and used only if the gateway stays silent for
/// `otherAnswerGrace` or until the deadline.
enum SSDPSearch {
    /// When each round of M-SEARCHes goes out, from the start.
    static let schedule: [Duration] = [.zero, .milliseconds(250), .milliseconds(750)]
    static let otherAnswerGrace: Duration = .milliseconds(300)

    struct Answer: Sendable {
        var response: SSDPResponse
        var source: IPAddress
    }

    static func firstAnswer(
        gateway: IPAddress, destinations: [TransportAddress], deadline: ContinuousClock.Instant,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(PortMapError) -> Answer {
        let remaining = try UPnPDeadline.remaining(until: deadline, doing: "the SSDP search")
        let promise = group.next().makePromise(of: Answer?.self)
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: group)
                .channelOption(ChannelOptions.Types.SocketOption(level: .ip, name: .ip_multicast_ttl), value: 2)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            SSDPAnswerCollector(gateway: gateway, promise: promise, grace: otherAnswerGrace.timeAmount))
                    }
                }
                .bind(host: "0.0.0.0", port: 0).get()
        } catch {
            promise.fail(error)
            throw PortMapError(.io, "cannot open a UDP socket for SSDP: \(error)")
        }
        let requests = SSDP.gatewaySearchTargets.map { SSDP.searchRequest(searchTarget: $0) }
        let targets = destinations.compactMap { try? $0.socketAddress }
        var scheduled: [Scheduled<Void>] = []
        for offset in schedule where offset < remaining {
            scheduled.append(
                channel.eventLoop.scheduleTask(in: offset.timeAmount) {
                    for target in targets {
                        for request in requests {
                            channel.write(AddressedEnvelope(remoteAddress: target, data: ByteBuffer(bytes: request)), promise: nil)
                        }
                    }
                    channel.flush()
                })
        }
        scheduled.append(channel.eventLoop.scheduleTask(in: remaining.timeAmount) { channel.pipeline.fireUserInboundEventTriggered(SSDPAnswerCollector.TimeUp()) })
        defer {
            for task in scheduled { task.cancel() }
            channel.close(promise: nil)
        }
        let answer: Answer?
        do {
            answer = try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                channel.pipeline.fireUserInboundEventTriggered(SSDPAnswerCollector.TimeUp())
            }
        } catch {
            throw PortMapError(.io, "SSDP search failed: \(error)")
        }
        guard let answer else {
            let sent = destinations.map(\.description).joined(separator: ", ")
            throw PortMapError(.noAnswer, "no UPnP Internet Gateway Device answered an SSDP search sent to \(sent)")
        }
        return answer
    }
}

/// Collects SSDP answers on the socket's event loop and completes the promise once.
final class SSDPAnswerCollector: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    /// The deadline or a cancellation: finish with what has arrived.
    struct TimeUp {}

    private let gateway: IPAddress
    private let promise: EventLoopPromise<SSDPSearch.Answer?>
    private let grace: TimeAmount
    private var fallback: SSDPSearch.Answer?
    private var finished = false

    init(gateway: IPAddress, promise: EventLoopPromise<SSDPSearch.Answer?>, grace: TimeAmount) {
        self.gateway = gateway
        self.promise = promise
        self.grace = grace
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        var buffer = envelope.data
        guard !finished, let bytes = buffer.readBytes(length: min(buffer.readableBytes, SSDPResponse.maximumSize + 1)),
            let source = envelope.remoteAddress.ipAddress.flatMap(IPAddress.init),
            let response = try? SSDPResponse(parsing: bytes)
        else { return }
        let answer = SSDPSearch.Answer(response: response, source: source)
        if source == gateway {
            finish(answer)
        } else if fallback == nil {
            fallback = answer
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: grace) { loopBound.value.finish(loopBound.value.fallback) }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is TimeUp { finish(fallback) } else { context.fireUserInboundEventTriggered(event) }
    }

    /// Send errors (no multicast route, ICMP unreachable) must not end the search: other
    /// destinations may still answer.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {}

    func channelInactive(context: ChannelHandlerContext) {
        finish(fallback)
        context.fireChannelInactive()
    }

    private func finish(_ answer: SSDPSearch.Answer?) {
        guard !finished else { return }
        finished = true
        promise.succeed(answer)
    }
}
