import Foundation
import NATWire
import NIOCore
import NIOPosix

/// The TURN relay (RFC 8656, UDP) behind `relay serve`'s primary socket: one instance per relay
/// thread, each with its own listening socket (SO_REUSEPORT when there are several) and the
/// allocations whose Allocate arrived on it.
///
/// Everything — requests, relayed sockets, timers — runs on the service's `RelayEventLoop`,
/// so the state needs no locks; that confinement is what makes `@unchecked Sendable` sound.
/// The hot path (ChannelData from the client, datagrams from peers) never decodes STUN: it
/// looks up the allocation and channel by the raw source address and sends the bytes from
/// where they were read, one `sendmmsg` per read batch.
///
/// The work is split by responsibility over `TURNService+Relaying`, `+Allocations`,
/// `+Permissions` and `+Responses`; the state below is internal so they can reach it.
public final class TURNService: @unchecked Sendable {
    let configuration: TURNConfiguration
    let authenticator: TURNAuthenticator
    let loop: any EventLoop
    let onEvent: @Sendable (TURNEvent) -> Void
    /// Bounds answers sent before authentication per source IP, shared with Binding.
    let gate: AnswerGate
    /// The quotas, counted across every relay thread.
    let ledger: TURNQuotaLedger
    /// Ports held for a later Allocate (EVEN-PORT with R), shared like the ledger.
    let reservations: TURNReservations
    /// Where Binding, dial-back and rendezvous messages that arrive on the listening socket go.
    let otherMessage: @Sendable (ByteBuffer, _ from: RawSocketAddress) -> Void
    var listener: RelayUDPSocket?
    /// The allocations by their client's socket address, as the kernel gave it: the data path
    /// and requests look them up by the same key, with no conversion.
    var allocations: [RawSocketAddress: TURNAllocation] = [:]
    /// Every minute, expired permissions and channels are removed from every allocation.
    var sweeper: RepeatedTask?
    /// The data path's read slots and send queue, reused for every batch.
    let reads = DatagramReadBatch()
    let writes = DatagramWriteBatch()
    /// Data indications' transaction IDs: a count, and a random salt so two servers' differ.
    var indicationCount = UInt64.random(in: 0...UInt64.max)
    let indicationSalt = UInt32.random(in: 0...UInt32.max)

    init(
        configuration: TURNConfiguration, loop: any EventLoop, gate: AnswerGate, ledger: TURNQuotaLedger = TURNQuotaLedger(),
        reservations: TURNReservations = TURNReservations(),
        onEvent: @escaping @Sendable (TURNEvent) -> Void = { _ in },
        otherMessage: @escaping @Sendable (ByteBuffer, _ from: RawSocketAddress) -> Void = { _, _ in }
    ) {
        self.configuration = configuration
        self.gate = gate
        self.ledger = ledger
        self.reservations = reservations
        self.otherMessage = otherMessage
        self.authenticator = TURNAuthenticator(credentials: configuration.credentials, nonceLifetime: configuration.nonceLifetime)
        self.loop = loop
        self.onEvent = onEvent
    }

    /// Which STUN methods this service answers.
    static let methods: Set<STUNMethod> = [.allocate, .refresh, .send, .createPermission, .channelBind]

    /// The comprehension-required attributes a TURN request may carry.
    private static let knownAttributes: Set<STUNAttributeType> = [
        .username, .realm, .nonce, .messageIntegrity, .messageIntegritySHA256, .passwordAlgorithm, .lifetime,
        .requestedTransport, .requestedAddressFamily, .xorPeerAddress, .data, .channelNumber, .evenPort, .reservationToken,
    ]

    /// Starts serving on `listener` (on the loop).
    func attach(listener: RelayUDPSocket) {
        self.listener = listener
        (loop as? RelayEventLoop)?.register(listener.fd) { [self] in readListener() }
        sweeper = loop.scheduleRepeatedTask(initialDelay: .seconds(60), delay: .seconds(60)) { [self] _ in
            let now = NIODeadline.now()
            for allocation in allocations.values { allocation.forgetExpired(now: now) }
        }
    }

    // MARK: Requests and indications

    /// A datagram on the listening socket that is not ChannelData: TURN messages are handled
    /// here, on the relay thread; the rest goes to `otherMessage`.
    func handleControl(_ buffer: ByteBuffer, from source: RawSocketAddress) {
        guard let raw = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self), raw & 0xC000 == 0,
            Self.methods.contains(STUNMessageType(rawValue: raw).method)
        else { return otherMessage(buffer, source) }
        let link = ClientLink.datagram(source)
        do {
            let message = try STUNMessage(decoding: buffer.readableBytesView)
            handle(message, from: source.transportAddress, link: link)
        } catch {
            rejectMalformed(buffer, error, link: link)
        }
    }

    /// A TURN request from `client`.
    func handle(_ message: STUNMessage, from client: TransportAddress, link: ClientLink) {
        // Indications: Send ones never get here (`readListener` relays them in place), and no
        // other is sent to a server.
        guard message.type.messageClass == .request else { return }
        // Every TURN request from a source counts against its rate before anything is answered
        // or changed: challenges and errors before authentication could be aimed at a forged
        // source, and an open relay authenticates nobody. Legitimate clients send a few a minute.
        guard gate.allow(client.ip) else { return }
        let now = Date()
        guard configuration.credentials.isConfigured else {
            return reply(error: ErrorCode.forbidden, "This server relays nothing: it has no TURN credentials configured", to: message, link: link)
        }
        let identity: TURNAuthenticator.Identity
        switch authenticator.authenticate(message, from: client.ip, now: now) {
        case .success(let found): identity = found
        case .failure(let rejection):
            let extra = rejection.challenge ? authenticator.challenge(for: client.ip, now: now) : []
            return reply(error: rejection.code, rejection.reason, extra: extra, to: message, link: link)
        }
        let unknown = message.unknownComprehensionRequired(known: Self.knownAttributes)
        guard unknown.isEmpty else {
            return reply(error: ErrorCode.unknownAttribute, extra: [UnknownAttributes(unknown)], to: message, link: link, identity: identity)
        }
        let request = Request(message: message, client: client, link: link, identity: identity)
        switch message.type.method {
        case .allocate: allocate(request)
        case .refresh: refresh(request)
        case .createPermission: createPermission(request)
        case .channelBind: channelBind(request)
        default: reply(error: ErrorCode.badRequest, "\(message.type.method) is not a request", to: message, link: link, identity: identity)
        }
    }

    struct Request {
        var message: STUNMessage
        var client: TransportAddress
        var link: ClientLink
        var identity: TURNAuthenticator.Identity

        /// The key of the client's allocation.
        var source: RawSocketAddress { link.key }
        /// The client's connection, when it came over TCP or TLS.
        var stream: StreamClient? {
            if case .stream(let connection) = link { connection } else { nil }
        }
    }

}
