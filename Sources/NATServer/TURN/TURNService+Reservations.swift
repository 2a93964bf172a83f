import NATWire
import NIOCore

/// The relayed socket an Allocate gets (RFC 8656 §7.2): a random port, an even one for
/// EVEN-PORT, an even one with the next port held for a later Allocate for EVEN-PORT with R,
/// or the port a RESERVATION-TOKEN holds. The port pairs are what RTP/RTCP clients ask for,
/// coturn's `turnutils_uclient` among them when run without `-c`.
extension TURNService {
    struct BoundRelay {
        var socket: RelayUDPSocket
        /// The token for the next port, when the client asked for it to be held.
        var token: ReservationToken?
    }

    struct Refusal: Error {
        var code: Int
        var reason: String
    }

    /// The relayed socket for `request`; the allocation's own quota place is already counted.
    func relaySocket(for request: Request, evenPort: EvenPort?, token: ReservationToken?) -> Result<BoundRelay, Refusal> {
        if let token {
            guard let held = reservations.redeem(token, username: request.identity.username) else {
                return .failure(Refusal(code: ErrorCode.insufficientCapacity, reason: "The RESERVATION-TOKEN is unknown or has expired"))
            }
            // The held port counted against its reserver; from now on the allocation counts.
            ledger.release(username: held.username, from: held.client)
            return .success(BoundRelay(socket: held.socket))
        }
        guard evenPort?.reserveNext == true else {
            guard let socket = bindRelaySocket(attemptsLeft: 16, even: evenPort != nil) else {
                return .failure(Refusal(code: ErrorCode.insufficientCapacity, reason: "No relay port is free"))
            }
            return .success(BoundRelay(socket: socket))
        }
        // The held port is a second socket: it counts as an allocation of this client's.
        if let quotaError = ledger.reserve(username: request.identity.username, from: request.client.ip, configuration) {
            return .failure(Refusal(code: quotaError, reason: "Holding a second port would exceed the allocation quota"))
        }
        guard let (socket, next) = bindEvenPair(attemptsLeft: 16) else {
            ledger.release(username: request.identity.username, from: request.client.ip)
            return .failure(Refusal(code: ErrorCode.insufficientCapacity, reason: "No free pair of relay ports"))
        }
        let issued = reservations.hold(next, username: request.identity.username, client: request.client.ip)
        let lifetime = configuration.reservationLifetime
        loop.scheduleTask(in: .seconds(Int64(lifetime))) { [self] in
            guard let held = reservations.expire(issued) else { return }
            Self.release(held, ledger: ledger, reason: "expired", onEvent: onEvent)
        }
        onEvent(.reserved(client: request.client, port: next.local, username: request.identity.username, lifetime: lifetime))
        return .success(BoundRelay(socket: socket, token: issued))
    }

    /// An even port and the one above it, both bound; nil when no such pair could be found.
    func bindEvenPair(attemptsLeft: Int) -> (RelayUDPSocket, RelayUDPSocket)? {
        let range = configuration.relayPorts
        let firstEven = range.lowerBound + range.lowerBound % 2
        guard firstEven < range.upperBound else { return nil }
        for _ in 0..<attemptsLeft {
            let port = firstEven + 2 * UInt16.random(in: 0...(range.upperBound - 1 - firstEven) / 2)
            guard let even = try? RelayUDPSocket.bind(TransportAddress(ip: configuration.relayIP, port: port)) else { continue }
            if let next = try? RelayUDPSocket.bind(TransportAddress(ip: configuration.relayIP, port: port + 1)) { return (even, next) }
            even.close()
        }
        return nil
    }

    /// Closes the ports still held (server shutdown).
    static func closeReservations(_ reservations: TURNReservations, ledger: TURNQuotaLedger, onEvent: @Sendable (TURNEvent) -> Void) {
        for held in reservations.removeAll() { release(held, ledger: ledger, reason: "server stopped", onEvent: onEvent) }
    }

    /// Lets a held port go unused: its socket closes and its quota place is free again.
    static func release(_ held: TURNReservations.Held, ledger: TURNQuotaLedger, reason: String, onEvent: @Sendable (TURNEvent) -> Void) {
        let port = held.socket.local
        held.socket.close()
        ledger.release(username: held.username, from: held.client)
        onEvent(.released(port: port, reason: reason))
    }
}
