import NATWire
import NIOCore

/// Allocations: creating them (RFC 8656 §7.2) on a freshly bound relayed socket, quotas,
/// refreshing (§7.3), expiry and closing.
extension TURNService {
    /// RFC 8656 §7.2.
    func allocate(_ request: Request) {
        let message = request.message
        if let existing = allocations[request.source] {
            if existing.creatingTransaction == message.transactionID, let response = existing.creatingResponse {
                return write(response, to: request.link)
            }
            return reply(error: ErrorCode.allocationMismatch, to: request)
        }
        guard let transport = try? message.attribute(RequestedTransport.self) else {
            return reply(error: ErrorCode.badRequest, "REQUESTED-TRANSPORT is missing", to: request)
        }
        guard transport == .udp else { return reply(error: ErrorCode.unsupportedTransportProtocol, to: request) }
        if let family = try? message.attribute(RequestedAddressFamily.self), family.family != configuration.relayIP.family {
            return reply(error: ErrorCode.addressFamilyNotSupported, to: request)
        }
        let evenPort = try? message.attribute(EvenPort.self)
        let token = try? message.attribute(ReservationToken.self)
        if token != nil, evenPort != nil || message.contains(.requestedAddressFamily) {
            // §7.2: a reserved port already has its address and parity.
            return reply(error: ErrorCode.badRequest, "RESERVATION-TOKEN cannot come with EVEN-PORT or REQUESTED-ADDRESS-FAMILY", to: request)
        }
        if let quotaError = ledger.reserve(username: request.identity.username, from: request.client.ip, configuration) {
            return reply(error: quotaError, to: request)
        }
        var lifetime = configuration.grantedLifetime(asked: (try? message.attribute(Lifetime.self))?.seconds)
        if configuration.maximumAge > 0 { lifetime = min(lifetime, configuration.maximumAge) }
        let socket: RelayUDPSocket
        var extra: [any STUNAttributeValue] = []
        switch relaySocket(for: request, evenPort: evenPort, token: token) {
        case .success(let bound):
            socket = bound.socket
            if let issued = bound.token { extra.append(issued) }
        case .failure(let refusal):
            ledger.release(username: request.identity.username, from: request.client.ip)
            return reply(error: refusal.code, refusal.reason, to: request)
        }
        let allocation = TURNAllocation(
            client: request.client, clientSocket: request.source, stream: request.stream,
            username: request.identity.username, relayed: socket.local, relaySocket: socket,
            creatingTransaction: message.transactionID, expiry: .now() + .seconds(Int64(lifetime)))
        if configuration.maximumAge > 0 { allocation.endOfLife = .now() + .seconds(Int64(configuration.maximumAge)) }
        allocations[allocation.clientSocket] = allocation
        (loop as? RelayEventLoop)?.register(socket.fd) { [self] in readPeers(of: allocation) }
        scheduleExpiry(allocation)
        let response = success(
            to: request, [XORRelayedAddress(socket.local), Lifetime(seconds: lifetime), XORMappedAddress(request.client)] + extra)
        allocation.creatingResponse = response
        if let response { write(response, to: request.link) }
        onEvent(.allocated(client: request.client, relayed: socket.local, username: request.identity.username, lifetime: lifetime))
    }

    /// Binds a relayed socket on a random port of the configured range (an even one for
    /// EVEN-PORT), trying other ports when one is taken; nil when none could be bound.
    func bindRelaySocket(attemptsLeft: Int, even: Bool) -> RelayUDPSocket? {
        for _ in 0..<attemptsLeft {
            var port = UInt16.random(in: configuration.relayPorts)
            if even, port % 2 == 1 { port = port - 1 >= configuration.relayPorts.lowerBound ? port - 1 : port + 1 }
            if let socket = try? RelayUDPSocket.bind(TransportAddress(ip: configuration.relayIP, port: port)) { return socket }
        }
        return nil
    }

    func scheduleExpiry(_ allocation: TURNAllocation) {
        allocation.expiryTimer?.cancel()
        allocation.expiryTimer = loop.scheduleTask(deadline: allocation.expiry) { [self] in
            close(allocation, reason: "expired")
        }
    }

    func close(_ allocation: TURNAllocation, reason: String) {
        guard allocations[allocation.clientSocket] === allocation else { return }
        allocations[allocation.clientSocket] = nil
        allocation.expiryTimer?.cancel()
        // Datagrams queued in this read batch name the socket by its descriptor: send them
        // before the number is closed and perhaps reused (a Refresh with lifetime 0 can follow
        // the client's last ChannelData in one batch).
        writes.flush()
        (loop as? RelayEventLoop)?.unregister(allocation.relaySocket.fd)
        allocation.relaySocket.close()
        ledger.release(username: allocation.username, from: allocation.client.ip)
        onEvent(.closed(client: allocation.client, relayed: allocation.relayed, reason: reason, traffic: allocation.counters))
    }

    /// RFC 8656 §7.3.
    func refresh(_ request: Request) {
        guard let allocation = ownedAllocation(request) else { return }
        if let family = try? request.message.attribute(RequestedAddressFamily.self), family.family != allocation.relayed.ip.family {
            return reply(error: ErrorCode.peerAddressFamilyMismatch, to: request)
        }
        let asked = (try? request.message.attribute(Lifetime.self))?.seconds
        if asked == 0 {
            close(allocation, reason: "deleted")
            return reply(success: [Lifetime(seconds: 0)], to: request)
        }
        let now = NIODeadline.now()
        let ageLeft = max(0, (allocation.endOfLife - now).nanoseconds / 1_000_000_000)
        let lifetime = UInt32(min(Int64(configuration.grantedLifetime(asked: asked)), ageLeft))
        allocation.expiry = now + .seconds(Int64(lifetime))
        scheduleExpiry(allocation)
        reply(success: [Lifetime(seconds: lifetime)], to: request)
    }

    /// Closes every allocation (server shutdown).
    func shutdown() async {
        try? await loop.submit { [self] in
            sweeper?.cancel()
            for allocation in Array(allocations.values) { close(allocation, reason: "server stopped") }
            if let listener {
                (loop as? RelayEventLoop)?.unregister(listener.fd)
                listener.close()
                self.listener = nil
            }
        }.get()
    }
}
