import NATNIO
import NATWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Carries out dial-back requests: checks them with `DialBackPolicy`, dials each target from
/// `dialFrom` (the alternate IP, which the client never contacted) on a fresh port, and answers
/// with one DIAL-BACK-STATUS per target once every dial has finished.
final class DialBackService: Sendable {
    /// How long a TCP dial may take before it counts as dropped.
    static let connectTimeout = TimeAmount.milliseconds(1000)
    static let udpSpacing = TimeAmount.milliseconds(20)
    /// Requests dialled at once, server-wide; beyond it requests are dropped unanswered.
    static let maximumInFlight = 64

    private let dialFrom: IPAddress
    private let policy: NIOLockedValueBox<DialBackPolicy>
    /// Transaction IDs being served, so a retransmitted request does not dial twice.
    private let inFlight = NIOLockedValueBox(Set<TransactionID>())
    private let started = ContinuousClock.now

    init(dialFrom: IPAddress, policy: DialBackPolicy = DialBackPolicy()) {
        self.dialFrom = dialFrom
        self.policy = NIOLockedValueBox(policy)
    }

    /// Handles one DialBack request; the answer leaves from `outlet`, the socket it arrived on.
    func handle(_ request: STUNMessage, from client: TransportAddress, replyingThrough outlet: any DatagramOutlet, on eventLoop: any EventLoop) {
        // A server-wide bound on requests being dialled, whatever their sources: each holds up
        // to 8 sockets for up to a second, and forged sources each get a fresh bucket.
        let admitted = inFlight.withLockedValue { pending in
            pending.count < Self.maximumInFlight && pending.insert(request.transactionID).inserted
        }
        guard admitted else { return }
        let now = (ContinuousClock.now - started).millisecondsDouble / 1000
        let verdict = policy.withLockedValue { $0.check(request, from: client, now: now) }
        let reply: EventLoopFuture<STUNMessage>
        switch verdict {
        case .failure(let refused):
            var message = STUNMessage(type: STUNMessageType(method: .dialBack, messageClass: .errorResponse), transactionID: request.transactionID)
            message.append(ErrorCode(code: refused.code, reason: refused.reason))
            reply = eventLoop.makeSucceededFuture(message)
        case .success(let accepted):
            let udp = accepted.targets.count { $0.transport == .udp }
            let copies = max(1, DialBackCost.affordableCopies(
                requestLength: request.receivedBytes?.count ?? Int.max, udp: udp, tcp: accepted.targets.count - udp,
                nonceLength: accepted.nonce.bytes.count))
            let dials = accepted.targets.map { dial($0, nonce: accepted.nonce, copies: copies, on: eventLoop) }
            reply = EventLoopFuture.whenAllComplete(dials, on: eventLoop).map { results in
                var message = STUNMessage(type: STUNMessageType(method: .dialBack, messageClass: .successResponse), transactionID: request.transactionID)
                for case .success(let status) in results { message.append(status) }
                return message
            }
        }
        reply.whenSuccess { [inFlight] message in
            inFlight.withLockedValue { _ = $0.remove(request.transactionID) }
            guard let bytes = message.encoded(fingerprint: true, within: request.answerBudget) else { return }
            outlet.send(bytes, to: client)
        }
    }

    private func dial(_ target: DialBackTarget, nonce: DialBackNonce, copies: Int, on eventLoop: any EventLoop) -> EventLoopFuture<DialBackStatus> {
        let payload = ByteBuffer(bytes: DialBackPolicy.dialPayload(nonce))
        switch target.transport {
        case .udp: return dialUDP(target, payload: payload, copies: copies, on: eventLoop)
        case .tcp: return dialTCP(target, payload: payload, on: eventLoop)
        }
    }

    private func dialUDP(
        _ target: DialBackTarget, payload: ByteBuffer, copies: Int, on eventLoop: any EventLoop
    ) -> EventLoopFuture<DialBackStatus> {
        let status = DialBackStatus(.udp, port: target.address.port, outcome: .sent)
        guard let destination = try? target.address.socketAddress else { return eventLoop.makeSucceededFuture(status) }
        return DatagramBootstrap(group: eventLoop).bind(host: dialFrom.description, port: 0).flatMap { channel in
            let sends = (0..<copies).map { copy in
                eventLoop.scheduleTask(in: Self.udpSpacing * Int64(copy)) {
                    channel.writeAndFlush(AddressedEnvelope(remoteAddress: destination, data: payload), promise: nil)
                }.futureResult
            }
            return EventLoopFuture.andAllComplete(sends, on: eventLoop).flatMap { channel.close() }.map { status }
        }.recover { _ in status }
    }

    private func dialTCP(_ target: DialBackTarget, payload: ByteBuffer, on eventLoop: any EventLoop) -> EventLoopFuture<DialBackStatus> {
        let port = target.address.port
        guard let destination = try? target.address.socketAddress, let local = try? SocketAddress(ipAddress: dialFrom.description, port: 0)
        else { return eventLoop.makeSucceededFuture(DialBackStatus(.tcp, port: port, outcome: .refused)) }
        return ClientBootstrap(group: eventLoop)
            .connectTimeout(Self.connectTimeout)
            .bind(to: local)
            .connect(to: destination)
            .flatMap { channel in
                channel.writeAndFlush(payload).flatMap { channel.close() }.map { DialBackStatus(.tcp, port: port, outcome: .connected) }
            }
            .recover { error in
                if case ChannelError.connectTimeout = error { return DialBackStatus(.tcp, port: port, outcome: .timedOut) }
                return DialBackStatus(.tcp, port: port, outcome: .refused)
            }
    }
}
