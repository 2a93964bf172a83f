import NATWire
import NIOCore
import NIOPosix

/// Allocations: creating them (RFC 8656 §7.2) on a freshly bound relayed socket, quotas,
/// refreshing (§7.3), expiry and closing.
extension TURNService {
    /// RFC 8656 §7.2.
    func allocate(_ request: Request) {
        let message = request.message
        if let existing = allocations[request.client] {
            if existing.creatingTransaction == message.transactionID, let response = existing.creatingResponse {
                return write(response, to: request.socket)
            }
            return reply(error: ErrorCode.allocationMismatch, to: request)
        }
        guard pendingAllocates[request.client] == nil else { return }  // a retransmission while the socket binds
        guard let transport = try? message.attribute(RequestedTransport.self) else {
            return reply(error: ErrorCode.badRequest, "REQUESTED-TRANSPORT is missing", to: request)
        }
        guard transport == .udp else { return reply(error: ErrorCode.unsupportedTransportProtocol, to: request) }
        if let family = try? message.attribute(RequestedAddressFamily.self), family.family != configuration.relayIP.family {
            return reply(error: ErrorCode.addressFamilyNotSupported, to: request)
        }
        let evenPort = try? message.attribute(EvenPort.self)
        if evenPort?.reserveNext == true {
            // Holding the next port for a later RTCP allocation (RESERVATION-TOKEN) is not
            // offered; §7.2 says to answer a request the server cannot satisfy with 508.
            return reply(error: ErrorCode.insufficientCapacity, "Port reservation (EVEN-PORT with R) is not offered", to: request)
        }
        if let quotaError = quotaError(for: request) { return reply(error: quotaError, to: request) }
        var lifetime = configuration.grantedLifetime(asked: (try? message.attribute(Lifetime.self))?.seconds)
        if configuration.maximumAge > 0 { lifetime = min(lifetime, configuration.maximumAge) }
        pendingAllocates[request.client] = request.identity.username
        bindRelaySocket(attemptsLeft: 16, even: evenPort != nil).whenComplete { [self] result in
            pendingAllocates[request.client] = nil
            switch result {
            case .failure:
                reply(error: ErrorCode.insufficientCapacity, "No relay port is free", to: request)
            case .success(let (channel, handler, relayed)):
                let allocation = TURNAllocation(
                    client: request.client, clientSocket: request.socket, username: request.identity.username, relayed: relayed,
                    relayChannel: channel, creatingTransaction: message.transactionID, expiry: .now() + .seconds(Int64(lifetime)))
                if configuration.maximumAge > 0 { allocation.endOfLife = .now() + .seconds(Int64(configuration.maximumAge)) }
                handler.allocation = allocation
                allocations[request.client] = allocation
                allocationsBySocket[request.socket] = allocation
                scheduleExpiry(allocation)
                let response = success(
                    to: request,
                    [XORRelayedAddress(relayed), Lifetime(seconds: lifetime), XORMappedAddress(request.client)])
                allocation.creatingResponse = response
                if let response { write(response, to: request.socket) }
                onEvent(.allocated(client: request.client, relayed: relayed, username: request.identity.username, lifetime: lifetime))
            }
        }
    }

    /// 486 when the user or client IP holds its quota of allocations, 508 when the server does.
    func quotaError(for request: Request) -> Int? {
        let configuration = configuration
        if configuration.totalQuota > 0, allocations.count + pendingAllocates.count >= configuration.totalQuota {
            return ErrorCode.insufficientCapacity
        }
        let username = request.identity.username
        if configuration.userQuota > 0, !configuration.credentials.open,
            allocations.values.count(where: { $0.username == username }) + pendingAllocates.values.count(where: { $0 == username })
                >= configuration.userQuota
        {
            return ErrorCode.allocationQuotaReached
        }
        let ip = request.client.ip
        if configuration.ipQuota > 0,
            allocations.keys.count(where: { $0.ip == ip }) + pendingAllocates.keys.count(where: { $0.ip == ip }) >= configuration.ipQuota
        {
            return ErrorCode.allocationQuotaReached
        }
        return nil
    }

    /// Binds a relayed socket on a random port of the configured range (an even one for EVEN-PORT).
    func bindRelaySocket(attemptsLeft: Int, even: Bool) -> EventLoopFuture<(any Channel, RelayPeerHandler, TransportAddress)> {
        let handler = RelayPeerHandler(service: self)
        var port = Int(UInt16.random(in: configuration.relayPorts))
        if even, port % 2 == 1 { port = port - 1 >= Int(configuration.relayPorts.lowerBound) ? port - 1 : port + 1 }
        return DatagramBootstrap(group: loop)
            .channelOption(.socketOption(.so_reuseaddr), value: 0)
            .batchedForRelay()
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
            }
            .bind(host: configuration.relayIP.description, port: port)
            .flatMapThrowing { channel in
                guard let relayed = channel.localAddress.flatMap(TransportAddress.init) else {
                    channel.close(promise: nil)
                    throw ServerError.invalidLayout("relayed socket has no address")
                }
                return (channel, handler, relayed)
            }
            .flatMapError { [self] error in
                attemptsLeft > 1 ? bindRelaySocket(attemptsLeft: attemptsLeft - 1, even: even) : loop.makeFailedFuture(error)
            }
    }

    func scheduleExpiry(_ allocation: TURNAllocation) {
        allocation.expiryTimer?.cancel()
        allocation.expiryTimer = loop.scheduleTask(deadline: allocation.expiry) { [self] in
            close(allocation, reason: "expired")
        }
    }

    func close(_ allocation: TURNAllocation, reason: String) {
        guard allocations[allocation.client] === allocation else { return }
        allocations[allocation.client] = nil
        allocationsBySocket[allocation.clientSocket] = nil
        allocation.expiryTimer?.cancel()
        allocation.relayChannel.close(promise: nil)
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
        }.get()
    }
}

extension DatagramBootstrap {
    /// Relayed traffic arrives in bursts: read 16 datagrams per call (recvmmsg) into buffers
    /// that hold them, with a 1 MiB receive buffer (capped by net.core.rmem_max) to absorb them.
    func batchedForRelay() -> DatagramBootstrap {
        channelOption(.datagramVectorReadMessageCount, value: 16)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 16 * 2048))
            .channelOption(.socketOption(.so_rcvbuf), value: 1 << 20)
    }
}
