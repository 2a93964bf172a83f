import NATWire
import NIOCore

/// Who may be reached: ownership checks (437/441), the peer policy (403), CreatePermission
/// (§9) and ChannelBind (§11).
extension TURNService {
    /// The allocation a non-Allocate request refers to, or nil after answering 437 or 441.
    func ownedAllocation(_ request: Request) -> TURNAllocation? {
        guard let allocation = allocations[request.source] else {
            reply(error: ErrorCode.allocationMismatch, to: request)
            return nil
        }
        guard configuration.credentials.open || allocation.username == request.identity.username else {
            reply(error: ErrorCode.wrongCredentials, to: request)
            return nil
        }
        return allocation
    }

    /// The XOR-PEER-ADDRESS values of a request, or nil after answering 400, 443 or 403.
    func permittedPeers(_ request: Request, allocation: TURNAllocation) -> [TransportAddress]? {
        guard let peers = try? request.message.attributes(XORPeerAddress.self).map(\.address), !peers.isEmpty else {
            reply(error: ErrorCode.badRequest, "XOR-PEER-ADDRESS is missing or malformed", to: request)
            return nil
        }
        guard peers.allSatisfy({ $0.ip.family == allocation.relayed.ip.family }) else {
            reply(error: ErrorCode.peerAddressFamilyMismatch, to: request)
            return nil
        }
        // The relay's own IP is judged by `mayReach` alone, even where the policy denies its range (loopback tests).
        let denied = peers.first {
            !(configuration.peerPolicy.permits($0.ip) || $0.ip == configuration.relayIP) || !mayReach($0, portKnown: $0.port != 0)
        }
        guard let denied else {
            return peers
        }
        reply(error: ErrorCode.forbidden, "Peer address \(denied.ip) is not allowed by this relay", to: request)
        return nil
    }

    /// The relay's own IP is a peer only at relayed ports: that lets two clients that both
    /// fell back to this relay talk relay to relay (as ICE does), but not reach other
    /// services on the server's host. Permissions carry no port, so sends check it again.
    func mayReach(_ peer: TransportAddress, portKnown: Bool = true) -> Bool {
        peer.ip != configuration.relayIP || !portKnown || configuration.relayPorts.contains(peer.port)
            || configuration.peerPolicy.isAllowed(peer.ip)
    }

    /// RFC 8656 §9.
    func createPermission(_ request: Request) {
        guard let allocation = ownedAllocation(request), let peers = permittedPeers(request, allocation: allocation) else { return }
        let now = NIODeadline.now()
        let asked = Set(peers.map(\.ip))
        if allocation.permissions.count + asked.subtracting(allocation.permissions.keys).count > configuration.maximumPermissions {
            allocation.forgetExpired(now: now)
            let added = asked.subtracting(allocation.permissions.keys).count
            guard allocation.permissions.count + added <= configuration.maximumPermissions else {
                return reply(error: ErrorCode.insufficientCapacity, "At most \(configuration.maximumPermissions) permissions per allocation", to: request)
            }
        }
        let until = now + .seconds(Int64(configuration.permissionLifetime))
        for peer in peers { allocation.permissions[peer.ip] = until }
        allocation.peerRoutes.removeAll()  // they cache permissions
        reply(success: [], to: request)
    }

    /// RFC 8656 §11.2.
    func channelBind(_ request: Request) {
        guard let allocation = ownedAllocation(request) else { return }
        guard let number = (try? request.message.attribute(ChannelNumber.self))?.number, ChannelNumber.acceptedRange.contains(number) else {
            return reply(error: ErrorCode.badRequest, "CHANNEL-NUMBER must be 0x4000 through 0x4FFF (0x7FFF for RFC 5766 clients)", to: request)
        }
        guard let peers = permittedPeers(request, allocation: allocation), let peer = peers.first else { return }
        let now = NIODeadline.now()
        if let bound = allocation.channels[number], bound.peer != peer, bound.expiry > now {
            return reply(error: ErrorCode.badRequest, "Channel is bound to another peer", to: request)
        }
        if let other = allocation.channelNumber(for: peer, now: now), other != number {
            return reply(error: ErrorCode.badRequest, "Peer is bound to another channel", to: request)
        }
        if allocation.channels[number] == nil, allocation.channels.count >= configuration.maximumChannels {
            allocation.forgetExpired(now: now)
            guard allocation.channels.count < configuration.maximumChannels else {
                return reply(error: ErrorCode.insufficientCapacity, "At most \(configuration.maximumChannels) channels per allocation", to: request)
            }
        }
        if allocation.permissions[peer.ip] == nil, allocation.permissions.count >= configuration.maximumPermissions {
            allocation.forgetExpired(now: now)
            guard allocation.permissions.count < configuration.maximumPermissions else {
                return reply(error: ErrorCode.insufficientCapacity, "At most \(configuration.maximumPermissions) permissions per allocation", to: request)
            }
        }
        if let previous = allocation.channels[number], previous.peer != peer {
            allocation.channelByPeer[previous.peer] = nil  // an expired binding handed to a new peer
        }
        allocation.channels[number] = TURNAllocation.Binding(
            peer: peer, peerSocket: RawSocketAddress(peer), expiry: now + .seconds(Int64(configuration.channelLifetime)))
        allocation.channelByPeer[peer] = number
        allocation.peerRoutes.removeAll()
        let permissionUntil = now + .seconds(Int64(configuration.permissionLifetime))
        allocation.permissions[peer.ip] = max(allocation.permissions[peer.ip] ?? permissionUntil, permissionUntil)
        reply(success: [], to: request)
    }
}
