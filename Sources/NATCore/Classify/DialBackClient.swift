import NATWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The client half of natctl's AutoNAT-style dial-back (docs/protocol.md): listens on the
/// ports to test (UDP and TCP), asks the server, from another socket, to dial them at our
/// observed IP from an address we never contacted, and reports which dials got in.
public enum DialBackClient {
    public struct Request: Sendable {
        public var server: TransportAddress
        /// Our IP as the server sees it (mapping test I's reflexive address).
        public var observedIP: IPAddress
        /// Local ports to test on UDP and TCP; empty picks one free port.
        public var ports: [UInt16]
        /// The path's round trip, to size the wait for datagrams still in flight.
        public var roundTrip: Duration?
        public var timeout: Duration = .seconds(4)
        /// Called once per listener with its local port: the external port to have dialled
        /// instead (a gateway mapping, `classify --dial-back --portmap`), or nil to dial the
        /// observed IP at the local port, as a port forward would keep it.
        public var externalPort: (@Sendable (DialBackTransport, UInt16) async -> UInt16?)?

        public init(server: TransportAddress, observedIP: IPAddress, ports: [UInt16], roundTrip: Duration?) {
            self.server = server
            self.observedIP = observedIP
            self.ports = ports
            self.roundTrip = roundTrip
        }
    }

    public static func run(_ request: Request, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async -> ReachabilityReport {
        let nonce = DialBackNonce.random()
        let arrivals = NIOLockedValueBox<[String: TransportAddress]>([:])
        var listeners: [any Channel] = []
        var results: [ReachabilityReport.PortResult] = []
        /// What the server is asked to dial, with the local listener port arrivals are recorded under.
        var targets: [(target: DialBackTarget, localPort: UInt16)] = []
        let family = request.observedIP.family
        for wanted in request.ports.isEmpty ? [0] : request.ports {
            var port = wanted
            for transport in [DialBackTransport.udp, .tcp] {
                do {
                    let channel = try await listen(transport, port: port, family: family, nonce: nonce, arrivals: arrivals, group: group)
                    listeners.append(channel)
                    port = UInt16(clamping: channel.localAddress?.port ?? 0)
                    let external = await request.externalPort?(transport, port) ?? port
                    targets.append((DialBackTarget(transport, TransportAddress(ip: request.observedIP, port: external)), port))
                } catch {
                    results.append(.init(transport: "\(transport)", port: port, result: "unknown", detail: "cannot listen here: \(error)"))
                }
            }
        }
        defer { for channel in listeners { channel.close(promise: nil) } }
        guard !targets.isEmpty else { return ReachabilityReport(overall: "unknown", ports: results) }

        var message = STUNMessage(type: STUNMessageType(method: .dialBack, messageClass: .request))
        for (target, _) in targets { message.append(target) }
        message.append(nonce)
        // The server sends at most 4 times the request's bytes towards this IP: pay for every UDP copy.
        let udp = targets.count { $0.target.transport == .udp }
        message.padded(toAtLeast: DialBackCost.requestLength(udp: udp, tcp: targets.count - udp, nonceLength: nonce.bytes.count))
        var statuses: [DialBackStatus] = []
        var refusal: String?
        do {
            let asker = try await STUNTransport.bind(TransportAddress(ip: .unspecified(family), port: 0), group: group)
            defer { Task { await asker.close() } }
            let policy = RetransmissionPolicy(rto: .milliseconds(300), maxTransmissions: 3, finalWaitMultiplier: 4)
            let response = try await asker.transaction(message, to: request.server, policy: policy, limit: request.timeout)
            if response.message.type.messageClass == .errorResponse {
                let error = try? response.message.attribute(ErrorCode.self)
                refusal = "the server refused: \(error.map { "\($0.code) \($0.reason)" } ?? "error response")"
            } else {
                statuses = (try? response.message.attributes(DialBackStatus.self)) ?? []
            }
        } catch {
            refusal = "no answer to the dial-back request: \(error)"
        }
        // Dials left the server before its answer, but may arrive after it (reordering): unless
        // every target has already been reached, give stragglers a grace period. What is being
        // waited for here is an absence, so a timer is the only way to end the wait.
        if arrivals.withLockedValue({ $0.count }) < targets.count {
            try? await Task.sleep(for: max((request.roundTrip ?? .zero) * 2, .milliseconds(100)))
        }
        let arrived = arrivals.withLockedValue { $0 }
        for (target, localPort) in targets {
            let status = statuses.first { $0.transport == target.transport && $0.port == target.address.port }
            results.append(judge(target, localPort: localPort, arrived: arrived["\(target.transport)/\(localPort)"], status: status, refusal: refusal))
        }
        let overall: String =
            results.contains { $0.result == "reachable" } ? "public"
            : results.allSatisfy({ $0.result == "unreachable" }) ? "private" : "unknown"
        return ReachabilityReport(overall: overall, ports: results)
    }

    /// One target's result, reported under its local port; a gateway mapping (another external
    /// port) is named in the detail.
    private static func judge(
        _ target: DialBackTarget, localPort: UInt16, arrived: TransportAddress?, status: DialBackStatus?, refusal: String?
    ) -> ReachabilityReport.PortResult {
        var result = judgeTarget(target, arrived: arrived, status: status, refusal: refusal)
        result.port = localPort
        if target.address.port != localPort { result.detail += " (through the gateway mapping \(target.address) → local port \(localPort))" }
        return result
    }

    private static func judgeTarget(
        _ target: DialBackTarget, arrived: TransportAddress?, status: DialBackStatus?, refusal: String?
    ) -> ReachabilityReport.PortResult {
        let transport = "\(target.transport)"
        let port = target.address.port
        if let arrived {
            return .init(transport: transport, port: port, result: "reachable", detail: "the server's dial from \(arrived) got in")
        }
        if let refusal { return .init(transport: transport, port: port, result: "unknown", detail: refusal) }
        switch status?.outcome {
        case .sent?:
            return .init(transport: transport, port: port, result: "unreachable", detail: "the server sent datagrams to \(target.address); none arrived")
        case .refused?:
            return .init(transport: transport, port: port, result: "unreachable", detail: "the connection to \(target.address) was refused on the way")
        case .timedOut?:
            return .init(transport: transport, port: port, result: "unreachable", detail: "the connection to \(target.address) was dropped on the way")
        case .connected?:
            return .init(
                transport: transport, port: port, result: "unknown",
                detail: "the server connected to \(target.address), but not to this listener: another host answers there")
        case nil:
            return .init(transport: transport, port: port, result: "unknown", detail: "the server did not report this target")
        }
    }

    /// A UDP socket or TCP listener on `port` that records the first message carrying `nonce`.
    private static func listen(
        _ transport: DialBackTransport, port: UInt16, family: IPAddress.Family, nonce: DialBackNonce,
        arrivals: NIOLockedValueBox<[String: TransportAddress]>, group: any EventLoopGroup
    ) async throws -> any Channel {
        let host = IPAddress.unspecified(family).description
        let recorder = NonceRecorder(nonce: nonce, transport: transport, arrivals: arrivals)
        switch transport {
        case .udp:
            return try await DatagramBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(UDPNonceHandler(recorder: recorder)) }
                }
                .bind(host: host, port: Int(port)).get()
        case .tcp:
            return try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(TCPNonceHandler(recorder: recorder)) }
                }
                .bind(host: host, port: Int(port)).get()
        }
    }
}

/// Records where a message carrying our nonce came from, per transport and local port.
struct NonceRecorder: Sendable {
    let nonce: DialBackNonce
    let transport: DialBackTransport
    let arrivals: NIOLockedValueBox<[String: TransportAddress]>

    func check(_ bytes: some Collection<UInt8>, from source: SocketAddress?, localPort: Int?) {
        guard let message = try? STUNMessage(decoding: bytes), message.type.method == .dialBack,
            (try? message.attribute(DialBackNonce.self)) == nonce, let source = source.flatMap(TransportAddress.init),
            let localPort
        else { return }
        arrivals.withLockedValue { $0["\(transport)/\(localPort)"] = $0["\(transport)/\(localPort)"] ?? source }
    }
}

final class UDPNonceHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let recorder: NonceRecorder
    init(recorder: NonceRecorder) { self.recorder = recorder }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        recorder.check(envelope.data.readableBytesView, from: envelope.remoteAddress, localPort: context.channel.localAddress?.port)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}

/// Reads one STUN-framed message from an accepted dial-back connection (at most 548 bytes).
final class TCPNonceHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let recorder: NonceRecorder
    private var buffer = ByteBuffer()
    init(recorder: NonceRecorder) { self.recorder = recorder }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        buffer.writeBuffer(&chunk)
        guard buffer.readableBytes >= STUNMessage.headerLength,
            let length = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt16.self)
        else { return }
        let total = STUNMessage.headerLength + Int(length)
        if buffer.readableBytes >= total, let bytes = buffer.getBytes(at: buffer.readerIndex, length: total) {
            recorder.check(bytes, from: context.remoteAddress, localPort: context.localAddress?.port)
            context.close(promise: nil)
        } else if buffer.readableBytes > 548 {
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}
