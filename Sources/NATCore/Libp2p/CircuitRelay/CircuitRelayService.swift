import Foundation
import Libp2pWire
import NATWire
import NIOConcurrencyHelpers

/// The circuit relay v2 hop (`/libp2p/circuit/relay/0.2.0/hop`) `relay serve --libp2p-listen`
/// runs: peers behind NATs RESERVE a slot over their connection to natctl; a peer that CONNECTs
/// to a reserved one gets a relayed connection, which natctl makes by opening a `stop` stream
/// over the reserved peer's connection and copying bytes between the two streams, within the
/// configured time and bytes. State is bounded by the reservation and circuit limits.
public final class CircuitRelayService: Sendable {
    public let configuration: CircuitRelayConfiguration
    private let reservations: NIOLockedValueBox<CircuitReservations>
    private let host = NIOLockedValueBox<Libp2pHost?>(nil)
    private let onEvent: @Sendable (CircuitRelayEvent) -> Void
    /// How long a client has to send its request, and the reserved peer to answer a stop.
    static let exchangeTime = Duration.seconds(10)
    /// Bytes a relayed direction may have waiting for the far side's yamux window.
    static let waitingLimit = 256 * 1024

    public init(_ configuration: CircuitRelayConfiguration, onEvent: @escaping @Sendable (CircuitRelayEvent) -> Void) {
        self.configuration = configuration
        reservations = NIOLockedValueBox(CircuitReservations(configuration))
        self.onEvent = onEvent
    }

    /// The host whose connections the relay reaches reserved peers through.
    public func attach(to host: Libp2pHost) { self.host.withLockedValue { $0 = host } }

    /// The handler for the hop protocol.
    public var handler: Libp2pHost.Handler { { stream in await self.serveHop(stream) } }

    private var limit: CircuitRelay.Limit { CircuitRelay.Limit(duration: configuration.circuitSeconds, data: configuration.circuitBytes) }

    private func serveHop(_ stream: Libp2pStream) async {
        let request: HopMessage
        do {
            request = try HopMessage(
                encoded: try await stream.readMessage("reading a hop request", maximum: CircuitRelay.maximumMessage, deadline: .now + Self.exchangeTime))
        } catch {
            answer(stream, .malformedMessage)
            return
        }
        switch request.kind {
        case .reserve: reserve(on: stream)
        case .connect: await connect(stream, to: request.peer?.id)
        case .status: answer(stream, .unexpectedMessage)
        }
    }

    private func reserve(on stream: Libp2pStream) {
        let connection = stream.connection
        let peer = connection.remotePeer
        guard let host = host.withLockedValue({ $0 }) else { return answer(stream, .reservationRefused) }
        let now = UInt64(Date().timeIntervalSince1970)
        let granted = reservations.withLockedValue { book in
            book.reserve(peer, from: connection.remoteAddress.ip, now: now) { host.connection(to: $0) != nil }
        }
        switch granted {
        case .failure(let status):
            answer(stream, status)
            onEvent(.refused(peer: "\(peer)", client: "\(connection.remoteAddress)", status: status.name, reason: "reservation limit reached"))
        case .success(let expire):
            let address = Multiaddr(tcp: host.listenAddress(over: connection), peer: host.peerID)
            let voucher = try? ReservationVoucher(relay: host.peerID, peer: peer, expiration: expire).sealed(by: host.identity)
            let reservation = CircuitRelay.Reservation(expire: expire, addrs: [address.bytes], voucher: voucher)
            try? stream.sendMessage(HopMessage(.status, reservation: reservation, limit: limit, status: .ok).encoded)
            stream.closeWrite()
            onEvent(.reserved(peer: "\(peer)", client: "\(connection.remoteAddress)", expire: expire))
        }
    }

    private func connect(_ stream: Libp2pStream, to destination: PeerID?) async {
        let source = stream.connection.remotePeer
        let client = "\(stream.connection.remoteAddress)"
        guard let destination else { return answer(stream, .malformedMessage) }
        let refuse = { (status: CircuitRelay.Status, reason: String) in
            self.answer(stream, status)
            self.onEvent(.refused(peer: "\(source)", client: client, status: status.name, reason: reason))
        }
        let now = UInt64(Date().timeIntervalSince1970)
        guard reservations.withLockedValue({ $0.holds(destination, now: now) }) else {
            return refuse(.noReservation, "\(destination) holds no reservation")
        }
        guard let target = host.withLockedValue({ $0 })?.connection(to: destination) else {
            return refuse(.connectionFailed, "\(destination) is no longer connected")
        }
        guard reservations.withLockedValue({ $0.openCircuit(source, destination) }) else {
            return refuse(.resourceLimitExceeded, "too many relayed connections")
        }
        defer { reservations.withLockedValue { $0.closeCircuit(source, destination) } }
        var opened: Libp2pStream?
        do {
            let deadline = ContinuousClock.now + Self.exchangeTime
            let stream = try await target.openStream(CircuitRelay.stopProtocol, deadline: deadline)
            opened = stream
            try stream.sendMessage(StopMessage(.connect, peer: CircuitRelay.Peer(id: source), limit: limit).encoded)
            let reply = try StopMessage(
                encoded: try await stream.readMessage("reading the stop answer", maximum: CircuitRelay.maximumMessage, deadline: deadline))
            guard reply.kind == .status, reply.status == .ok else {
                stream.reset()
                return refuse(.connectionFailed, "\(destination) answered the stop with \(reply.status?.name ?? "no status")")
            }
        } catch {
            opened?.reset()  // a stop stream that did not complete must not stay open on the peer's connection
            return refuse(.connectionFailed, "\(destination): \(error)")
        }
        guard let stop = opened else { return }
        do {
            try stream.sendMessage(HopMessage(.status, limit: limit, status: .ok).encoded)
        } catch {
            stop.reset()
            return
        }
        onEvent(.circuitOpened(source: "\(source)", destination: "\(destination)"))
        let (reason, forward, backward) = await splice(stream, stop)
        onEvent(.circuitClosed(source: "\(source)", destination: "\(destination)", reason: reason, bytesToDestination: forward, bytesToSource: backward))
    }

    /// Copies both ways until both ends close, the duration passes or a direction carries its
    /// bytes; returns why it ended and the bytes each way.
    private func splice(_ source: Libp2pStream, _ destination: Libp2pStream) async -> (String, Int, Int) {
        let end = ContinuousClock.now + .seconds(Int64(configuration.circuitSeconds))
        let allowance = Int(clamping: configuration.circuitBytes)
        async let forward = Self.copy(from: source, to: destination, allowance: allowance, until: end)
        async let backward = Self.copy(from: destination, to: source, allowance: allowance, until: end)
        let (there, back) = await (forward, backward)
        let reason = [there.reason, back.reason].first { $0 != "closed" } ?? "closed"
        return (reason, there.bytes, back.bytes)
    }

    /// One direction of a circuit. A limit reached resets both streams, so the other
    /// direction ends too; a clean end (FIN) is passed on as a FIN, a reset as a reset.
    private static func copy(from input: Libp2pStream, to output: Libp2pStream, allowance: Int, until end: ContinuousClock.Instant) async -> (
        reason: String, bytes: Int
    ) {
        var carried = 0
        while let bytes = await input.nextBytes(deadline: end) {
            let allowed = min(bytes.count, allowance - carried)
            if allowed > 0, (try? output.send(Array(bytes.prefix(allowed)))) == nil {
                input.reset()
                return ("reset", carried)
            }
            carried += allowed
            guard allowed == bytes.count else {
                input.reset()
                output.reset()
                return ("data limit", carried)
            }
            guard await output.waitUntilWritable(below: waitingLimit, deadline: end) else { break }
        }
        if ContinuousClock.now >= end {
            input.reset()
            output.reset()
            return ("duration limit", carried)
        }
        // A reset (or a lost connection) is passed on as a reset, a clean end as a FIN.
        if input.wasReset {
            output.reset()
            return ("reset", carried)
        }
        output.closeWrite()
        return ("closed", carried)
    }

    private func answer(_ stream: Libp2pStream, _ status: CircuitRelay.Status) {
        try? stream.sendMessage(HopMessage(.status, status: status).encoded)
        stream.closeWrite()
    }
}
