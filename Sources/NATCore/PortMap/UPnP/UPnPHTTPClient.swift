import NATWire
import NIOCore
import NIOPosix

/// One HTTP exchange with a gateway's web server over its own TCP connection: connect, write
/// the request (which says `Connection: close`), read until the response is complete or the
/// server closes. Bounded by a deadline and by `HTTPResponse.maximumSize`.
enum UPnPHTTPClient {
    static func exchange(
        _ request: [UInt8], with url: HTTPURL, deadline: ContinuousClock.Instant, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(PortMapError) -> HTTPResponse {
        let remaining = try UPnPDeadline.remaining(until: deadline, doing: "connecting to \(url)")
        let promise = group.next().makePromise(of: HTTPResponse.self)
        let channel: any Channel
        do {
            let bootstrap = ClientBootstrap(group: group)
                .connectTimeout(remaining.timeAmount)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTPResponseCollector(promise: promise))
                    }
                }
            // An IP literal (every IGD's LOCATION in practice) needs no resolver round.
            if let ip = IPAddress(url.host) {
                channel = try await bootstrap.connect(to: TransportAddress(ip: ip, port: url.port).socketAddress).get()
            } else {
                channel = try await bootstrap.connect(host: url.host, port: Int(url.port)).get()
            }
        } catch {
            promise.fail(error)
            throw PortMapError(.io, "cannot connect to \(url): \(error)")
        }
        let timeout = channel.eventLoop.scheduleTask(in: (deadline - .now).timeAmount) {
            channel.pipeline.fireErrorCaught(HTTPTimeout())
        }
        channel.writeAndFlush(ByteBuffer(bytes: request), promise: nil)
        defer { timeout.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                channel.pipeline.fireErrorCaught(CancellationError())
            }
        } catch is HTTPTimeout {
            throw PortMapError(.noAnswer, "\(url) did not answer within the time limit")
        } catch let error as UPnPDecodeError {
            throw PortMapError(.malformedAnswer, "answer from \(url): \(error)")
        } catch {
            throw PortMapError(.io, "exchange with \(url) failed: \(error)")
        }
    }

    struct HTTPTimeout: Error {}
}

/// Accumulates the bytes of one response and completes the promise once, when it parses, the
/// connection ends, or an error (including the deadline, fired as an error) arrives.
final class HTTPResponseCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let promise: EventLoopPromise<HTTPResponse>
    private var received: [UInt8] = []
    private var finished = false

    init(promise: EventLoopPromise<HTTPResponse>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
        evaluate(context: context, connectionClosed: false)
    }

    func channelInactive(context: ChannelHandlerContext) {
        evaluate(context: context, connectionClosed: true)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(error), context: context)
    }

    private func evaluate(context: ChannelHandlerContext, connectionClosed: Bool) {
        guard !finished else { return }
        do {
            if let response = try HTTPResponse.parse(received, connectionClosed: connectionClosed) { finish(.success(response), context: context) }
        } catch {
            finish(.failure(error), context: context)
        }
    }

    private func finish(_ result: Result<HTTPResponse, any Error>, context: ChannelHandlerContext) {
        guard !finished else { return }
        finished = true
        promise.completeWith(result)
        context.close(promise: nil)
    }
}

/// Time left before a deadline shared by the steps of one operation.
enum UPnPDeadline {
    static func remaining(until deadline: ContinuousClock.Instant, doing step: String) throws(PortMapError) -> Duration {
        let left = deadline - .now
        guard left > .zero else { throw PortMapError(.noAnswer, "time limit reached before \(step)") }
        return left
    }
}
