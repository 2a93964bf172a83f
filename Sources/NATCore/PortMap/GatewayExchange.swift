import NATWire
import NIOCore
import NIOPosix

/// One request to the gateway's NAT-PMP/PCP port (5351) on a connected UDP socket: sent at
/// once and again after 250 ms, doubling (RFC 6886 §3.1's schedule; PCP's 3 s first wait,
/// RFC 6887 §8.1.1, is for the internet, not a LAN gateway), until an answer `accept` takes or
/// `limit` passes. Connected, so only the gateway's datagrams arrive and an ICMP port
/// unreachable ends the wait at once ("nothing listens there") instead of timing out.
enum GatewayExchange {
    static func run<Answer: Sendable>(
        _ request: [UInt8], to gateway: IPAddress, port: UInt16 = NATPMPMessage.port, from local: IPAddress? = nil, limit: Duration,
        accept: @escaping @Sendable ([UInt8]) -> Answer?
    ) async throws(PortMapError) -> Answer {
        let (stream, continuation) = AsyncStream.makeStream(of: Result<[UInt8], PortMapError>.self, bufferingPolicy: .bufferingNewest(16))
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(continuation: continuation)) }
                }
                .bind(host: (local ?? .unspecified(gateway.family)).description, port: 0)
                .flatMap { channel in
                    channel.eventLoop.makeCompletedFuture { try SocketAddress(ipAddress: gateway.description, port: Int(port)) }
                        .flatMap { channel.connect(to: $0) }.map { channel }
                }
                .get()
        } catch {
            throw PortMapError(.io, "cannot open a UDP socket toward \(gateway):\(port): \(error)")
        }
        defer { channel.close(promise: nil) }
        let outcome: Result<Answer, PortMapError> = await withTaskGroup(of: Result<Answer, PortMapError>?.self) { group in
            group.addTask {
                for await item in stream {
                    switch item {
                    case .success(let bytes): if let answer = accept(bytes) { return .success(answer) }
                    case .failure(let error): return .failure(error)
                    }
                }
                return nil
            }
            group.addTask {
                var wait = Duration.milliseconds(250)
                let start = ContinuousClock.now
                while !Task.isCancelled && ContinuousClock.now - start < limit {
                    var buffer = channel.allocator.buffer(capacity: request.count)
                    buffer.writeBytes(request)
                    channel.writeAndFlush(buffer, promise: nil)
                    let remaining = limit - (ContinuousClock.now - start)
                    try? await Task.sleep(for: min(wait, remaining))
                    wait *= 2
                }
                return Task.isCancelled ? nil : .failure(PortMapError(.noAnswer, "no answer from \(gateway):\(port) within \(limit.milliseconds) ms"))
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            continuation.finish()
            return first ?? .failure(PortMapError(.noAnswer, "no answer from \(gateway):\(port)"))
        }
        return try outcome.get()
    }

    /// Hands each datagram's bytes (and a refused port) to the waiting task.
    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let continuation: AsyncStream<Result<[UInt8], PortMapError>>.Continuation

        init(continuation: AsyncStream<Result<[UInt8], PortMapError>>.Continuation) { self.continuation = continuation }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data).data
            continuation.yield(.success(buffer.readBytes(length: buffer.readableBytes) ?? []))
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            if let io = error as? IOError, io.errnoCode == ECONNREFUSED {
                continuation.yield(.failure(PortMapError(.noAnswer, "the gateway's port is closed (ICMP port unreachable): no NAT-PMP or PCP server there")))
            }
        }
    }
}
