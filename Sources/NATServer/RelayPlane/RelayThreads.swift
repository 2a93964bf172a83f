import NATWire
import NIOCore

/// The TURN relay's threads: each a `RelayEventLoop` with its own listening socket on the
/// primary address (SO_REUSEPORT when there are several, so the kernel spreads clients over
/// them by 4-tuple and a client's packets always reach the same thread) and its own
/// `TURNService`, holding the allocations made through it. Quotas and the per-source answer
/// rate are shared. Messages other than TURN go to `otherMessage` with the socket they
/// arrived on, to be answered from it.
final class RelayThreads: Sendable {
    let services: [TURNService]
    let loops: [RelayEventLoop]
    let reservations: TURNReservations
    let ledger: TURNQuotaLedger
    let onEvent: @Sendable (TURNEvent) -> Void
    /// The primary address actually bound.
    let address: TransportAddress

    private init(
        services: [TURNService], loops: [RelayEventLoop], reservations: TURNReservations, ledger: TURNQuotaLedger,
        onEvent: @escaping @Sendable (TURNEvent) -> Void, address: TransportAddress
    ) {
        self.services = services
        self.loops = loops
        self.reservations = reservations
        self.ledger = ledger
        self.onEvent = onEvent
        self.address = address
    }

    static func start(
        at requested: TransportAddress, threads: Int, configuration: TURNConfiguration, gate: AnswerGate,
        onEvent: @escaping @Sendable (TURNEvent) -> Void,
        otherMessage: @escaping @Sendable (ByteBuffer, _ from: RawSocketAddress, _ socket: RelayUDPSocket) -> Void
    ) async throws -> RelayThreads {
        var sockets: [RelayUDPSocket] = []
        var loops: [RelayEventLoop] = []
        var services: [TURNService] = []
        do {
            var address = threads > 1 ? try RelayUDPSocket.freePort(requested) : requested
            for _ in 0..<max(1, threads) {
                let socket = try RelayUDPSocket.bind(address, reusePort: threads > 1)
                address = socket.local  // the others share the port the first one got
                sockets.append(socket)
            }
            let ledger = TURNQuotaLedger()
            let reservations = TURNReservations()
            for (index, socket) in sockets.enumerated() {
                let loop = try RelayEventLoop(name: "natctl-relay-\(index)")
                loops.append(loop)
                let service = TURNService(
                    configuration: configuration, loop: loop, gate: gate, ledger: ledger, reservations: reservations, onEvent: onEvent,
                    otherMessage: { buffer, source in otherMessage(buffer, source, socket) })
                services.append(service)
                try await loop.submit { service.attach(listener: socket) }.get()
            }
            return RelayThreads(services: services, loops: loops, reservations: reservations, ledger: ledger, onEvent: onEvent, address: address)
        } catch {
            for loop in loops { loop.stop() }
            for socket in sockets { socket.close() }
            throw ServerError.bindFailed(requested, reason: "\(error)")
        }
    }

    /// Closes every allocation and listening socket, then ends the threads.
    func shutdown() async {
        for service in services { await service.shutdown() }
        TURNService.closeReservations(reservations, ledger: ledger, onEvent: onEvent)
        for loop in loops { await loop.stopped() }
    }
}

extension RelayEventLoop {
    /// `stop()` away from the cooperative pool: it waits for the loop's thread.
    func stopped() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            shutdownGracefully(queue: .global()) { _ in done.resume() }
        }
    }
}
