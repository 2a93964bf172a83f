import NATWire
import NIOCore
import NIOPosix

/// A protocol engine without I/O (CONVENTIONS.md rule 4): datagrams and time in, datagrams to
/// send and progress out, then a result. `DatagramMachineRunner` runs one on real sockets;
/// tests run it against simulated networks in virtual time.
public protocol DatagramMachine: Sendable {
    associatedtype Output: Sendable
    mutating func start(at now: Duration) -> [DatagramAction]
    mutating func received(_ bytes: [UInt8], from source: TransportAddress, on socket: Int, at now: Duration) -> [DatagramAction]
    mutating func tick(at now: Duration) -> [DatagramAction]
    /// When `tick` next has something to do; nil once finished.
    var nextWakeup: Duration? { get }
    /// The result, once finished.
    var output: Output? { get }
}

public enum DatagramAction: Sendable, Equatable {
    /// Send `bytes` from the runner's socket number `socket` to `to`.
    case send(socket: Int, to: TransportAddress, bytes: [UInt8])
    /// A line of progress for a human watching.
    case progress(String)
}

/// Why a machine could not run at all (as opposed to running and finding nothing).
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

/// Runs a `DatagramMachine` on `socketCount` UDP sockets bound to the unspecified address of
/// `family`, feeding it every datagram and timer on one event loop.
public enum DatagramMachineRunner {
    /// - Parameters:
    ///   - make: builds the machine once the sockets' local ports are known.
    ///   - progress: called on the event loop with each progress note (keep it cheap).
    /// - Returns: the machine's output and the first few send errors.
    public static func run<Machine: DatagramMachine>(
        socketCount: Int, family: IPAddress.Family, progress: (@Sendable (String) -> Void)? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, make: ([UInt16]) -> Machine
    ) async throws(ClassifierError) -> (output: Machine.Output, sendErrors: [String]) {
        let eventLoop = group.next()
        let driver = MachineDriver<Machine>(eventLoop: eventLoop, progress: progress)
        var channels: [any Channel] = []
        do {
            for index in 0..<socketCount {
                let channel = try await DatagramBootstrap(group: eventLoop)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(MachineSocketHandler(socket: index, driver: driver))
                        }
                    }
                    .bind(host: IPAddress.unspecified(family).description, port: 0).get()
                channels.append(channel)
            }
        } catch {
            for channel in channels { try? await channel.close() }
            throw .socket("\(error)")
        }
        let machine = make(channels.map { UInt16(clamping: $0.localAddress?.port ?? 0) })
        let sockets = channels
        defer { for channel in sockets { channel.close(promise: nil) } }
        do {
            return try await withTaskCancellationHandler {
                try await eventLoop.submit { driver.start(machine, channels: sockets) }.flatMap { $0 }.get()
            } onCancel: {
                eventLoop.execute { driver.cancel() }
            }
        } catch {
            throw .cancelled
        }
    }
}

/// Event-loop side of the runner: owns the machine and its one timer. Every method runs on
/// `eventLoop`, which is what makes `@unchecked Sendable` sound.
final class MachineDriver<Machine: DatagramMachine>: @unchecked Sendable {
    private let eventLoop: any EventLoop
    private let progress: (@Sendable (String) -> Void)?
    private let origin = NIODeadline.now()
    private var machine: Machine?
    private var channels: [any Channel] = []
    private var promise: EventLoopPromise<(output: Machine.Output, sendErrors: [String])>?
    private var timer: Scheduled<Void>?
    private var sendErrors: [String] = []

    init(eventLoop: any EventLoop, progress: (@Sendable (String) -> Void)?) {
        self.eventLoop = eventLoop
        self.progress = progress
    }

    private var now: Duration { (NIODeadline.now() - origin).duration }

    func start(_ machine: Machine, channels: [any Channel]) -> EventLoopFuture<(output: Machine.Output, sendErrors: [String])> {
        let promise = eventLoop.makePromise(of: (output: Machine.Output, sendErrors: [String]).self)
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

    private func perform(_ step: (inout Machine) -> [DatagramAction]) {
        guard var machine, promise != nil else { return }
        let actions = step(&machine)
        self.machine = machine
        for action in actions {
            switch action {
            case .send(let socket, let destination, let bytes): send(bytes, from: socket, to: destination)
            case .progress(let note): progress?(note)
            }
        }
        timer?.cancel()
        if let output = machine.output {
            promise?.succeed((output, sendErrors))
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
        channels[socket].writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: bytes)), promise: written)
    }
}

/// Hands each datagram of one socket to the driver.
final class MachineSocketHandler<Machine: DatagramMachine>: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let socket: Int
    let driver: MachineDriver<Machine>

    init(socket: Int, driver: MachineDriver<Machine>) {
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
