import NATWire
import NIOCore
import NIOPosix

/// Runs `ClassifierMachine` on real UDP sockets: binds them, feeds the machine every datagram
/// and timer on one event loop, and returns its report.
public enum Classifier {
    /// Classifies the NAT between this host and `configuration.server`.
    ///
    /// - Parameter progress: called on the event loop with each progress note (keep it cheap).
    public static func run(
        _ configuration: ClassifierConfiguration, progress: (@Sendable (String) -> Void)? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(ClassifierError) -> ClassifierReport {
        let eventLoop = group.next()
        let driver = ClassifierDriver(eventLoop: eventLoop, progress: progress)
        var channels: [any Channel] = []
        do {
            for index in 0..<configuration.socketCount {
                let channel = try await DatagramBootstrap(group: eventLoop)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(ClassifierSocketHandler(socket: index, driver: driver))
                        }
                    }
                    .bind(host: IPAddress.unspecified(configuration.server.ip.family).description, port: 0).get()
                channels.append(channel)
            }
        } catch {
            for channel in channels { try? await channel.close() }
            throw .socket("\(error)")
        }
        let ports = channels.map { UInt16(clamping: $0.localAddress?.port ?? 0) }
        let machine = ClassifierMachine(configuration: configuration, localPorts: ports)
        let sockets = channels
        let result: ClassifierReport
        do {
            result = try await withTaskCancellationHandler {
                try await eventLoop.submit { driver.start(machine, channels: sockets) }.flatMap { $0 }.get()
            } onCancel: {
                eventLoop.execute { driver.cancel() }
            }
        } catch {
            for channel in channels { try? await channel.close() }
            throw .cancelled
        }
        for channel in channels { try? await channel.close() }
        return result
    }
}

/// Why classification could not run at all (as opposed to running and finding nothing).
public enum ClassifierError: Error, Equatable, Sendable, CustomStringConvertible {
    case socket(String)
    case cancelled

    public var description: String {
        switch self {
        case .socket(let reason): "cannot open a UDP socket: \(reason)"
        case .cancelled: "classification cancelled"
        }
    }
}

/// Event-loop side of `Classifier`: owns the machine and its one timer. Every method runs on
/// `eventLoop`, which is what makes `@unchecked Sendable` sound.
final class ClassifierDriver: @unchecked Sendable {
    private let eventLoop: any EventLoop
    private let progress: (@Sendable (String) -> Void)?
    private let origin = NIODeadline.now()
    private var machine: ClassifierMachine?
    private var channels: [any Channel] = []
    private var promise: EventLoopPromise<ClassifierReport>?
    private var timer: Scheduled<Void>?
    private var sendErrors: [String] = []

    init(eventLoop: any EventLoop, progress: (@Sendable (String) -> Void)?) {
        self.eventLoop = eventLoop
        self.progress = progress
    }

    private var now: Duration { (NIODeadline.now() - origin).duration }

    func start(_ machine: ClassifierMachine, channels: [any Channel]) -> EventLoopFuture<ClassifierReport> {
        let promise = eventLoop.makePromise(of: ClassifierReport.self)
        self.promise = promise
        self.machine = machine
        self.channels = channels
        perform { $0.start(at: now) }
        return promise.futureResult
    }

    func received(_ envelope: AddressedEnvelope<ByteBuffer>, on socket: Int) {
        guard let source = TransportAddress(envelope.remoteAddress) else { return }
        let bytes = Array(envelope.data.readableBytesView)
        perform { $0.received(bytes, from: source, on: socket, at: now) }
    }

    func cancel() {
        timer?.cancel()
        promise?.fail(ClassifierError.cancelled)
        promise = nil
    }

    private func perform(_ step: (inout ClassifierMachine) -> [ClassifierMachine.Action]) {
        guard var machine, promise != nil else { return }
        let actions = step(&machine)
        self.machine = machine
        for action in actions {
            switch action {
            case .send(let socket, let destination, let bytes):
                send(bytes, from: socket, to: destination)
            case .progress(let note):
                progress?(note)
            }
        }
        timer?.cancel()
        if var report = machine.report {
            if report.udp != true, let first = sendErrors.first { report.error = first }
            promise?.succeed(report)
            promise = nil
        } else if let wakeup = machine.nextWakeup {
            timer = eventLoop.scheduleTask(deadline: origin + wakeup.timeAmount) { [self] in perform { $0.tick(at: now) } }
        }
    }

    private func send(_ bytes: [UInt8], from socket: Int, to destination: TransportAddress) {
        guard let address = try? destination.socketAddress else { return }
        let written = eventLoop.makePromise(of: Void.self)
        written.futureResult.whenFailure { [self] error in
            if sendErrors.count < 4 { sendErrors.append("could not send to \(destination): \(error)") }
        }
        let envelope = AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: bytes))
        channels[socket].writeAndFlush(envelope, promise: written)
    }
}

/// Hands each datagram of one classifier socket to the driver.
final class ClassifierSocketHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let socket: Int
    let driver: ClassifierDriver

    init(socket: Int, driver: ClassifierDriver) {
        self.socket = socket
        self.driver = driver
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        driver.received(unwrapInboundIn(data), on: socket)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP errors on unconnected sockets concern no test in particular; tests time out on their own.
    }
}
