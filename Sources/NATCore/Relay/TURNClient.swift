import NATWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A datagram that arrived through the relay.
public struct RelayedDatagram: Sendable {
    /// The peer that sent it, as the relay saw it.
    public var peer: TransportAddress
    public var data: [UInt8]
    /// Whether it came as ChannelData (else as a Data indication).
    public var viaChannel: Bool
}

/// A TURN client (RFC 8656 over UDP): one allocation on one server, with permissions,
/// channel bindings and data both ways. Works against natctl's relay and against coturn.
///
/// Requests are retransmitted by `STUNTransport`; a 401 or 438 challenge is answered once
/// with fresh credentials. Data from peers arrives on `received`.
public final class TURNClient: Sendable {
    public let server: TransportAddress
    /// The address peers send to, on the relay.
    public let relayedAddress: TransportAddress
    /// This client's address as the server sees it (XOR-MAPPED-ADDRESS).
    public let mappedAddress: TransportAddress?
    /// The lifetime the server granted, in seconds.
    public let lifetime: UInt32
    /// Time from the first Allocate to the allocation, including the 401 round trip.
    public let allocationTime: Duration
    /// Round-trip time of the Allocate transaction that succeeded.
    public let allocateRTT: Duration
    /// The shortest round trip of any transaction so far: the direct path to the server.
    public var serverRTT: Duration { fastest.withLockedValue { $0 } }
    private let fastest: NIOLockedValueBox<Duration>
    /// Datagrams relayed from peers, in arrival order. Finishes when the client closes.
    public let received: AsyncStream<RelayedDatagram>

    private let transport: STUNTransport
    /// False when the socket belongs to someone else (a punch session), who closes it.
    private let ownsTransport: Bool
    private let policy: RetransmissionPolicy
    private let limit: Duration?
    private let auth: NIOLockedValueBox<TURNAuthState>
    private let channels: ChannelTable
    private let continuation: AsyncStream<RelayedDatagram>.Continuation

    private init(
        server: TransportAddress, transport: STUNTransport, allocation: TransactionResponse, started: ContinuousClock.Instant,
        policy: RetransmissionPolicy, limit: Duration?, auth: NIOLockedValueBox<TURNAuthState>, inbound: RelayInbound,
        ownsTransport: Bool
    ) throws(TURNClientError) {
        guard let relayed = try? allocation.message.attribute(XORRelayedAddress.self) else {
            throw .badResponse("Allocate success without XOR-RELAYED-ADDRESS")
        }
        self.server = server
        self.transport = transport
        self.ownsTransport = ownsTransport
        self.relayedAddress = relayed.address
        self.mappedAddress = try? allocation.message.attribute(XORMappedAddress.self)?.address
        self.lifetime = (try? allocation.message.attribute(Lifetime.self))?.seconds ?? 600
        self.allocationTime = ContinuousClock.now - started
        self.allocateRTT = allocation.rtt
        self.fastest = NIOLockedValueBox(allocation.rtt)
        self.policy = policy
        self.limit = limit
        self.auth = auth
        self.channels = inbound.channels
        (received, continuation) = (inbound.stream, inbound.continuation)
    }

    /// Allocates a UDP relay on `server`.
    ///
    /// - Parameters:
    ///   - credential: long-term (or shared-secret derived) credentials; nil for an open relay.
    ///   - lifetime: seconds to ask for; the server decides.
    ///   - local: where to bind this client's socket (default: any address, the server's family).
    ///   - connection: UDP, or TCP or TLS to the server (the relayed allocation is UDP either way).
    ///   - limit: the longest each transaction may take.
    public static func allocate(
        server: TransportAddress, credential: TURNCredential?, lifetime: UInt32? = nil, local: TransportAddress? = nil,
        over connection: ServerTransport = .udp,
        policy: RetransmissionPolicy = RetransmissionPolicy(rto: .milliseconds(250), maxTransmissions: 5, finalWaitMultiplier: 4),
        limit: Duration? = .seconds(5)
    ) async throws(TURNClientError) -> TURNClient {
        let inbound = RelayInbound(server: server)
        let transport: STUNTransport
        do {
            if connection.isStream {
                transport = try await STUNTransport.connect(to: server, over: connection, limit: limit ?? .seconds(5)) {
                    _ = inbound.deliver($0)
                }
            } else {
                transport = try await STUNTransport.bind(local ?? TransportAddress(ip: .unspecified(server.ip.family), port: 0)) {
                    _ = inbound.deliver($0)
                }
            }
        } catch let error as TransactionError {
            throw .transaction(error)
        } catch {
            throw .transaction(.sendFailed(server: server, reason: "\(error)"))
        }
        do {
            return try await allocate(
                server: server, credential: credential, lifetime: lifetime, sharing: transport, inbound: inbound, owned: true,
                policy: policy, limit: limit)
        } catch {
            await transport.close()
            throw error
        }
    }

    /// Allocates from a socket the caller owns (a punch session's, so relayed and direct traffic
    /// share one NAT mapping). The caller hands every datagram the socket does not match to
    /// `inbound.deliver`, and closes the socket itself.
    public static func allocate(
        server: TransportAddress, credential: TURNCredential?, lifetime: UInt32? = nil, sharing transport: STUNTransport,
        inbound: RelayInbound, owned: Bool = false,
        policy: RetransmissionPolicy = RetransmissionPolicy(rto: .milliseconds(250), maxTransmissions: 5, finalWaitMultiplier: 4),
        limit: Duration? = .seconds(5)
    ) async throws(TURNClientError) -> TURNClient {
        let started = ContinuousClock.now
        let auth = NIOLockedValueBox(TURNAuthState(credential: credential))
        var request = STUNMessage(type: STUNMessageType(method: .allocate, messageClass: .request))
        request.append(RequestedTransport.udp)
        if let lifetime { request.append(Lifetime(seconds: lifetime)) }
        do {
            let response = try await exchange(request, server: server, transport: transport, auth: auth, policy: policy, limit: limit)
            return try TURNClient(
                server: server, transport: transport, allocation: response, started: started, policy: policy, limit: limit,
                auth: auth, inbound: inbound, ownsTransport: owned)
        } catch {
            inbound.continuation.finish()
            throw error
        }
    }

    /// Sends `request` signed with what the server's challenges taught, answering up to two
    /// challenges (401 without credentials yet, 438 stale nonce) with a new transaction each.
    private static func exchange(
        _ request: STUNMessage, server: TransportAddress, transport: STUNTransport, auth: NIOLockedValueBox<TURNAuthState>,
        policy: RetransmissionPolicy, limit: Duration?
    ) async throws(TURNClientError) -> TransactionResponse {
        var attempt = request
        for round in 0..<3 {
            let state = auth.withLockedValue { $0 }
            let response: TransactionResponse
            do {
                response = try await transport.transaction(
                    encoded: state.sign(attempt), id: attempt.transactionID, to: server, policy: policy, limit: limit)
            } catch {
                throw .transaction(error)
            }
            let message = response.message
            if message.type.messageClass == .successResponse {
                guard state.verify(message) else { throw .badResponse("the response's MESSAGE-INTEGRITY does not match our key") }
                return response
            }
            let error = (try? message.attribute(ErrorCode.self)) ?? ErrorCode(code: 500, reason: "error response without ERROR-CODE")
            let challenged = error.code == ErrorCode.unauthenticated || error.code == ErrorCode.staleNonce
            if challenged, message.contains(.nonce), round < 2 {
                let realm = (try? message.attribute(Realm.self))?.text ?? state.realm ?? ""
                guard state.credential != nil else { throw .credentialsNeeded(realm: realm) }
                // A second 401 after signing means the credentials are wrong; a 438 is retried.
                if error.code == ErrorCode.unauthenticated, state.key != nil { throw .wrongCredentials(realm: realm) }
                auth.withLockedValue { $0.learn(from: message) }
                attempt.transactionID = .random()
                continue
            }
            throw .rejected(method: request.type.method.description, code: error.code, reason: error.reason)
        }
        throw .badResponse("the server kept challenging the request")
    }

    private func exchange(_ request: STUNMessage) async throws(TURNClientError) -> TransactionResponse {
        let response = try await Self.exchange(request, server: server, transport: transport, auth: auth, policy: policy, limit: limit)
        fastest.withLockedValue { $0 = min($0, response.rtt) }
        return response
    }

    private func request(_ method: STUNMethod, _ attributes: [any STUNAttributeValue]) -> STUNMessage {
        var message = STUNMessage(type: STUNMessageType(method: method, messageClass: .request))
        for attribute in attributes { message.append(attribute) }
        return message
    }

    /// Refreshes the allocation; returns the granted lifetime (0 deletes it).
    @discardableResult
    public func refresh(lifetime: UInt32? = nil) async throws(TURNClientError) -> UInt32 {
        let response = try await exchange(request(.refresh, lifetime.map { [Lifetime(seconds: $0)] } ?? []))
        return (try? response.message.attribute(Lifetime.self))?.seconds ?? 0
    }

    /// Lets `peers` send to the relayed address (permissions are per IP, for 300 s).
    public func createPermission(_ peers: [IPAddress]) async throws(TURNClientError) {
        _ = try await exchange(request(.createPermission, peers.map { XORPeerAddress(TransportAddress(ip: $0, port: 0)) }))
    }

    /// Binds a channel to `peer` (which also installs its permission) and returns its number;
    /// later sends to `peer` use 4-byte ChannelData headers. Binding again refreshes it.
    @discardableResult
    public func bindChannel(to peer: TransportAddress) async throws(TURNClientError) -> UInt16 {
        let number = channels.number(for: peer)
        _ = try await exchange(request(.channelBind, [ChannelNumber(number), XORPeerAddress(peer)]))
        channels.confirm(number, peer: peer)
        return number
    }

    /// Sends `data` to `peer` through the relay: ChannelData when a channel is bound, else a
    /// Send indication. Needs a permission for the peer's IP; the relay drops it otherwise.
    public func send(_ data: [UInt8], to peer: TransportAddress) {
        if let number = channels.bound(peer) {
            transport.send(ChannelDataHeader.frame(channel: number, data: data), to: server)
        } else {
            var indication = STUNMessage(type: STUNMessageType(method: .send, messageClass: .indication))
            indication.append(XORPeerAddress(peer))
            indication.append(DataValue(data))
            transport.send(indication.encoded(), to: server)
        }
    }

    /// Deletes the allocation (Refresh with LIFETIME 0) when `release` is set, then closes the socket.
    public func close(release: Bool = true) async {
        if release { _ = try? await refresh(lifetime: 0) }
        if ownsTransport { await transport.close() }
        continuation.finish()
    }
}

/// Relayed data arriving on a client's socket: picks ChannelData and Data indications from
/// the server out of the socket's unmatched datagrams and streams them.
public final class RelayInbound: Sendable {
    let server: TransportAddress
    let channels = ChannelTable()
    let stream: AsyncStream<RelayedDatagram>
    let continuation: AsyncStream<RelayedDatagram>.Continuation

    public init(server: TransportAddress) {
        self.server = server
        (stream, continuation) = AsyncStream<RelayedDatagram>.makeStream(bufferingPolicy: .bufferingNewest(4096))
    }

    /// Takes `envelope` if it is relayed data from the server; false leaves it to the caller.
    public func deliver(_ envelope: AddressedEnvelope<ByteBuffer>) -> Bool {
        guard TransportAddress(envelope.remoteAddress) == server, let datagram = channels.decode(envelope) else { return false }
        continuation.yield(datagram)
        return true
    }
}

/// Channel numbers by peer, shared between callers and the socket's event loop.
final class ChannelTable: Sendable {
    private struct State {
        var next: UInt16 = ChannelNumber.validRange.lowerBound
        var assigned: [TransportAddress: UInt16] = [:]
        var confirmed: [UInt16: TransportAddress] = [:]
    }

    private let state = NIOLockedValueBox(State())

    /// The number for `peer`: the one it has, or the next free one.
    func number(for peer: TransportAddress) -> UInt16 {
        state.withLockedValue { state in
            if let number = state.assigned[peer] { return number }
            let number = state.next
            state.next = number == ChannelNumber.validRange.upperBound ? ChannelNumber.validRange.lowerBound : number + 1
            state.assigned[peer] = number
            return number
        }
    }

    func confirm(_ number: UInt16, peer: TransportAddress) { state.withLockedValue { $0.confirmed[number] = peer } }

    func bound(_ peer: TransportAddress) -> UInt16? {
        state.withLockedValue { state in state.assigned[peer].flatMap { state.confirmed[$0] == peer ? $0 : nil } }
    }

    /// Turns a ChannelData datagram or Data indication from the server into a `RelayedDatagram`.
    func decode(_ envelope: AddressedEnvelope<ByteBuffer>) -> RelayedDatagram? {
        let view = envelope.data.readableBytesView
        guard let first = view.first else { return nil }
        if ChannelDataHeader.isChannelData(firstByte: first) {
            let s = view.startIndex
            guard view.count >= ChannelDataHeader.length,
                let header = ChannelDataHeader.parse(view[s], view[s + 1], view[s + 2], view[s + 3], datagramLength: view.count),
                let peer = state.withLockedValue({ $0.confirmed[header.channel] })
            else { return nil }
            let data = Array(view[(s + ChannelDataHeader.length)..<(s + ChannelDataHeader.length + Int(header.dataLength))])
            return RelayedDatagram(peer: peer, data: data, viaChannel: true)
        }
        guard let message = try? STUNMessage(decoding: view), message.type == STUNMessageType(method: .data, messageClass: .indication),
            let peer = try? message.attribute(XORPeerAddress.self), let data = try? message.attribute(DataValue.self)
        else { return nil }
        return RelayedDatagram(peer: peer.address, data: data.bytes, viaChannel: false)
    }
}
