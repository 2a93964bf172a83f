#if canImport(Glibc)
import Glibc
#endif
import NATWire
import NIOCore
import NIOPosix

/// One UDP socket that carries many concurrent STUN transactions, matched by transaction ID
/// (RFC 8489 §6.3), each retransmitted per its `RetransmissionPolicy` and bounded by a limit.
///
/// All transaction state lives in a channel handler on the socket's event loop; this type only
/// hands work to that loop, so it can be shared freely between tasks.
public final class STUNTransport: Sendable {
    /// The address the socket is bound to (with the kernel's port when bound to port 0).
    public let localAddress: TransportAddress
    /// TCP or TLS to one server (`connect`) rather than a UDP socket: requests are sent once
    /// (the stream retransmits) and wait up to their limit.
    public let isStream: Bool
    let channel: any Channel
    private let handler: TransactionHandler

    init(channel: any Channel, handler: TransactionHandler, localAddress: TransportAddress, isStream: Bool = false) {
        self.channel = channel
        self.handler = handler
        self.localAddress = localAddress
        self.isStream = isStream
    }

    /// Binds a UDP socket, e.g. to `0.0.0.0:0` or `[::]:0` for one socket per family.
    /// `onUnmatched` gets, on the socket's event loop, every datagram that is not a response
    /// to a pending transaction.
    public static func bind(
        _ address: TransportAddress, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, ipv6Only: Bool = false,
        onUnmatched: (@Sendable (AddressedEnvelope<ByteBuffer>) -> Void)? = nil
    ) async throws -> STUNTransport {
        let handler = TransactionHandler(onUnmatched: onUnmatched)
        var bootstrap = DatagramBootstrap(group: group)
        // Lets an IPv6 socket share a port number with an IPv4 one (Linux binds [::] dual-stack).
        // (`.socketOption` would set it at SOL_SOCKET level, where it means something else.)
        if ipv6Only { bootstrap = bootstrap.channelOption(ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_v6only), value: 1) }
        let channel = try await bootstrap
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
            .bind(host: address.ip.description, port: Int(address.port)).get()
        guard let local = channel.localAddress.flatMap(TransportAddress.init) else {
            try? await channel.close()
            throw TransactionError.sendFailed(server: address, reason: "socket has no local IP address")
        }
        return STUNTransport(channel: channel, handler: handler, localAddress: local)
    }

    /// Sends `request` to `server` and waits for the response with the same transaction ID.
    ///
    /// - Parameters:
    ///   - policy: retransmission timing.
    ///   - limit: the longest this call may wait, whatever the policy says.
    /// - Throws: `TransactionError` when nothing answers in time, sending fails, or the task is cancelled.
    public func transaction(
        _ request: STUNMessage, to server: TransportAddress, policy: RetransmissionPolicy = .rfc8489,
        limit: Duration? = nil, integrity: STUNIntegrityKey? = nil
    ) async throws(TransactionError) -> TransactionResponse {
        try await transaction(
            encoded: request.encoded(integrity: integrity, fingerprint: true), id: request.transactionID, to: server,
            policy: policy, limit: limit)
    }

    /// Like `transaction(_:to:...)` for a request already encoded (signed by the caller).
    public func transaction(
        encoded bytes: [UInt8], id: TransactionID, to server: TransportAddress, policy: RetransmissionPolicy = .rfc8489,
        limit: Duration? = nil
    ) async throws(TransactionError) -> TransactionResponse {
        let destination: SocketAddress
        do { destination = try server.socketAddress } catch {
            throw .sendFailed(server: server, reason: "\(error)")
        }
        let payload = ByteBuffer(bytes: bytes)
        // RFC 8489 §6.2.2: over a stream the request goes once, and the client waits Ti (39.5 s).
        let policy = isStream ? RetransmissionPolicy(rto: limit ?? .milliseconds(39_500), maxTransmissions: 1, finalWaitMultiplier: 1) : policy
        let promise = channel.eventLoop.makePromise(of: TransactionResponse.self)
        let job = TransactionHandler.Job(
            id: id, payload: payload, destination: destination, server: server,
            policy: policy, limit: limit, promise: promise)
        let handler = self.handler
        let eventLoop = channel.eventLoop
        eventLoop.execute { handler.start(job) }
        do {
            return try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                eventLoop.execute { handler.finish(job.id, with: .failure(TransactionError.cancelled)) }
            }
        } catch let error as TransactionError {
            throw error
        } catch {
            throw .sendFailed(server: server, reason: "\(error)")
        }
    }

    /// Sends one datagram without waiting for anything (indications, relayed data).
    public func send(_ bytes: [UInt8], to destination: TransportAddress) {
        guard let address = try? destination.socketAddress else { return }
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: bytes)), promise: nil)
    }

    /// Sends one datagram with a hop limit of `ttl` (IPv4 TTL, IPv6 hop limit), then puts the
    /// socket's own back: a packet that opens this side's NAT mapping but expires before it
    /// reaches the peer's router (punch's priming). Datagram sockets only; a no-op otherwise.
    public func send(_ bytes: [UInt8], to destination: TransportAddress, ttl: Int) {
        send(bytes, toEach: [destination], ttl: ttl)
    }

    /// As `send(_:to:ttl:)` to each destination (one family), with the hop limit set once.
    public func send(_ bytes: [UInt8], toEach destinations: [TransportAddress], ttl: Int) {
        guard !isStream, let family = destinations.first?.ip.family else { return }
        let addresses = destinations.compactMap { try? $0.socketAddress }
        let channel = channel
        let option =
            family == .ipv4
            ? ChannelOptions.Types.SocketOption(level: .ip, name: NIOBSDSocket.Option(rawValue: IP_TTL))
            : ChannelOptions.Types.SocketOption(level: .ipv6, name: NIOBSDSocket.Option(rawValue: IPV6_UNICAST_HOPS))
        channel.eventLoop.execute {
            guard let options = channel.syncOptions, let previous = try? options.getOption(option) else { return }
            // Each write is flushed at once (sendmsg) while the option holds, unless the socket
            // is full, in which case the datagram leaves later with the usual TTL.
            guard (try? options.setOption(option, value: SocketOptionValue(ttl))) != nil else { return }
            for address in addresses {
                channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: bytes)), promise: nil)
            }
            try? options.setOption(option, value: previous)
        }
    }

    /// Closes the socket; transactions still waiting fail with `.cancelled`.
    public func close() async {
        try? await channel.close()
    }
}
