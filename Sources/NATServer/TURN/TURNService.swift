import Foundation
import NATWire
import NIOCore
import NIOPosix

/// The TURN relay (RFC 8656, UDP) behind `relay serve`'s primary socket.
///
/// Everything — requests, relayed sockets, timers — runs on the listening socket's event loop,
/// so the state needs no locks; that confinement is what makes `@unchecked Sendable` sound.
/// The hot path (ChannelData from the client, datagrams from peers) never decodes STUN: it
/// looks up the allocation and channel, slices the buffer and writes it, flushing once per
/// read burst so NIO can send the batch with one `sendmmsg`.
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
    var listener: (any Channel)?
    var allocations: [TransportAddress: TURNAllocation] = [:]
    /// The same allocations by the client's socket address, for ChannelData (no conversion).
    var allocationsBySocket: [SocketAddress: TURNAllocation] = [:]
    /// Clients whose Allocate is waiting for its relayed socket to bind, with their usernames:
    /// they count against the quotas like allocations.
    var pendingAllocates: [TransportAddress: String] = [:]
    /// Every minute, expired permissions and channels are removed from every allocation.
    var sweeper: RepeatedTask?
    var needsFlush: [ObjectIdentifier: any Channel] = [:]

    init(
        configuration: TURNConfiguration, loop: any EventLoop, gate: AnswerGate,
        onEvent: @escaping @Sendable (TURNEvent) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.gate = gate
        self.authenticator = TURNAuthenticator(credentials: configuration.credentials, nonceLifetime: configuration.nonceLifetime)
        self.loop = loop
        self.onEvent = onEvent
    }

    /// Which STUN methods this service answers.
    static let methods: Set<STUNMethod> = [.allocate, .refresh, .send, .createPermission, .channelBind]

    /// The comprehension-required attributes a TURN request may carry.
    private static let knownAttributes: Set<STUNAttributeType> = [
        .username, .realm, .nonce, .messageIntegrity, .messageIntegritySHA256, .passwordAlgorithm, .lifetime,
        .requestedTransport, .requestedAddressFamily, .xorPeerAddress, .data, .channelNumber, .evenPort,
    ]

    func attach(listener: any Channel) {
        self.listener = listener
        sweeper = loop.scheduleRepeatedTask(initialDelay: .seconds(60), delay: .seconds(60)) { [self] _ in
            let now = NIODeadline.now()
            for allocation in allocations.values { allocation.forgetExpired(now: now) }
        }
    }

    // MARK: Requests and indications

    /// A TURN request or Send indication from `client`.
    func handle(_ message: STUNMessage, from client: TransportAddress, socket: SocketAddress) {
        if message.type.messageClass == .indication {
            if message.type.method == .send { relaySendIndication(message, from: client) }
            return
        }
        guard message.type.messageClass == .request else { return }
        let now = Date()
        guard configuration.credentials.isConfigured else {
            return reply(error: ErrorCode.forbidden, "This server relays nothing: start it with --user, --static-auth-secret or --no-auth", to: message, socket: socket)
        }
        let identity: TURNAuthenticator.Identity
        switch authenticator.authenticate(message, from: client.ip, now: now) {
        case .success(let found): identity = found
        case .failure(let rejection):
            let extra = rejection.challenge ? authenticator.challenge(for: client.ip, now: now) : []
            return reply(error: rejection.code, rejection.reason, extra: extra, to: message, socket: socket)
        }
        let unknown = message.unknownComprehensionRequired(known: Self.knownAttributes)
        guard unknown.isEmpty else {
            return reply(error: ErrorCode.unknownAttribute, extra: [UnknownAttributes(unknown)], to: message, socket: socket, identity: identity)
        }
        let request = Request(message: message, client: client, socket: socket, identity: identity)
        switch message.type.method {
        case .allocate: allocate(request)
        case .refresh: refresh(request)
        case .createPermission: createPermission(request)
        case .channelBind: channelBind(request)
        default: reply(error: ErrorCode.badRequest, "\(message.type.method) is not a request", to: message, socket: socket, identity: identity)
        }
    }

    struct Request {
        var message: STUNMessage
        var client: TransportAddress
        var socket: SocketAddress
        var identity: TURNAuthenticator.Identity
    }

}
