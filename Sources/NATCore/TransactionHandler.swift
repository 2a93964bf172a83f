import NATWire
import NIOCore

/// The event-loop side of `STUNTransport`: pending transactions, their retransmission timers,
/// and the matching of responses to requests by transaction ID.
///
/// Every method runs on the channel's event loop; that confinement is what makes the
/// `@unchecked Sendable` sound.
final class TransactionHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    struct Job: Sendable {
        var id: TransactionID
        var payload: ByteBuffer
        var destination: SocketAddress
        var server: TransportAddress
        var policy: RetransmissionPolicy
        var limit: Duration?
        var promise: EventLoopPromise<TransactionResponse>
    }

    private struct Pending {
        var job: Job
        var sendOffsets: [Duration]
        var started: NIODeadline
        var giveUpAt: NIODeadline
        var lastSent: NIODeadline
        var transmissions = 0
        var timer: Scheduled<Void>?
    }

    private var pending: [TransactionID: Pending] = [:]
    private var context: ChannelHandlerContext?
    /// Gets every datagram that answers no pending transaction (TURN Data indications and
    /// ChannelData, for one); nil drops them.
    private let onUnmatched: (@Sendable (AddressedEnvelope<ByteBuffer>) -> Void)?

    /// Over a stream, the server closing the connection ends every pending transaction at
    /// once, as a failure; over UDP only closing the socket ends them (as cancelled).
    private let overStream: Bool

    init(onUnmatched: (@Sendable (AddressedEnvelope<ByteBuffer>) -> Void)? = nil, overStream: Bool = false) {
        self.onUnmatched = onUnmatched
        self.overStream = overStream
    }

    func channelInactive(context: ChannelHandlerContext) {
        if overStream {
            for (id, entry) in pending {
                finish(id, with: .failure(TransactionError.sendFailed(server: entry.job.server, reason: "the connection closed")))
            }
        }
        context.fireChannelInactive()
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        for id in Array(pending.keys) { finish(id, with: .failure(TransactionError.cancelled)) }
    }

    func start(_ job: Job) {
        guard context != nil else { return job.promise.fail(TransactionError.cancelled) }
        if let old = pending[job.id] {  // a reused ID replaces the old transaction rather than leaking it
            old.timer?.cancel()
            old.job.promise.fail(TransactionError.cancelled)
        }
        let now = NIODeadline.now()
        let (sends, giveUp) = job.policy.schedule
        var giveUpAt = now + giveUp.timeAmount
        if let limit = job.limit { giveUpAt = min(giveUpAt, now + limit.timeAmount) }
        pending[job.id] = Pending(job: job, sendOffsets: sends, started: now, giveUpAt: giveUpAt, lastSent: now)
        transmit(job.id)
    }

    private func transmit(_ id: TransactionID) {
        guard var entry = pending[id], let context else { return }
        let now = NIODeadline.now()
        entry.transmissions += 1
        entry.lastSent = now
        let writeDone = context.eventLoop.makePromise(of: Void.self)
        let server = entry.job.server
        writeDone.futureResult.whenFailure { [self] error in
            finish(id, with: .failure(TransactionError.sendFailed(server: server, reason: "\(error)")))
        }
        let envelope = AddressedEnvelope(remoteAddress: entry.job.destination, data: entry.job.payload)
        context.writeAndFlush(wrapOutboundOut(envelope), promise: writeDone)
        let nextSend =
            entry.transmissions < entry.sendOffsets.count
            ? entry.started + entry.sendOffsets[entry.transmissions].timeAmount : entry.giveUpAt
        entry.timer = context.eventLoop.scheduleTask(deadline: min(nextSend, entry.giveUpAt)) { [self] in
            timerFired(id)
        }
        pending[id] = entry
    }

    private func timerFired(_ id: TransactionID) {
        guard let entry = pending[id] else { return }
        if NIODeadline.now() >= entry.giveUpAt || entry.transmissions >= entry.sendOffsets.count {
            let waited = (NIODeadline.now() - entry.started).duration.milliseconds
            finish(
                id,
                with: .failure(
                    TransactionError.timedOut(
                        server: entry.job.server, transmissions: entry.transmissions, waitedMilliseconds: waited)))
        } else {
            transmit(id)
        }
    }

    func finish(_ id: TransactionID, with result: Result<TransactionResponse, any Error>) {
        guard let entry = pending.removeValue(forKey: id) else { return }
        entry.timer?.cancel()
        entry.job.promise.completeWith(result)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        // Only responses can match a transaction: anything else (requests, indications, relayed
        // data, non-STUN) goes to `onUnmatched` undecoded, so its owner decodes it once.
        if let onUnmatched, let type = envelope.data.getInteger(at: envelope.data.readerIndex, as: UInt16.self),
            type & 0xC000 != 0 || !STUNMessageType(rawValue: type).messageClass.isResponse
        {
            return onUnmatched(envelope)
        }
        let bytes = Array(envelope.data.readableBytesView)
        guard STUNMessage.looksLikeSTUN(bytes, requireCookie: false),
            let message = try? STUNMessage(decoding: bytes),
            message.type.messageClass.isResponse,
            let entry = pending[message.transactionID],
            let source = TransportAddress(envelope.remoteAddress)
        else {
            // Late duplicates, strays and non-STUN datagrams answer nothing we wait for.
            onUnmatched?(envelope)
            return
        }
        let now = NIODeadline.now()
        let rtt = now - (entry.transmissions == 1 ? entry.started : entry.lastSent)
        finish(
            message.transactionID,
            with: .success(
                TransactionResponse(
                    message: message, source: source, rtt: rtt.duration, transmissions: entry.transmissions)))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Read errors on an unconnected UDP socket concern no particular transaction; the
        // transactions still time out on their own, so nothing is lost by carrying on.
    }
}
