import Libp2pWire
import NATWire

/// `probe --libp2p`: each node dialed over TCP with a fresh identity, as a libp2p peer does,
/// and asked to identify itself; its `observedAddr` is where it sees this host, the libp2p
/// counterpart of a STUN server's mapped address (for TCP, so it shows the NAT's TCP mapping).
public enum Libp2pProbe {
    public static func run(_ addresses: [Multiaddr], limit: Duration) async -> [ProbeReport.Libp2pResult] {
        let identity = Libp2pIdentity()
        return await withTaskGroup(of: (Int, ProbeReport.Libp2pResult).self) { group in
            for (index, address) in addresses.enumerated() {
                group.addTask { (index, await check(address, identity: identity, limit: limit)) }
            }
            var results: [Int: ProbeReport.Libp2pResult] = [:]
            for await (index, result) in group { results[index] = result }
            return addresses.indices.compactMap { results[$0] }
        }
    }

    static func check(_ address: Multiaddr, identity: Libp2pIdentity, limit: Duration) async -> ProbeReport.Libp2pResult {
        var result = ProbeReport.Libp2pResult(address: address.description)
        do {
            let info = try await Libp2pDialer.identify(address, identity: identity, limit: limit)
            result.reachable = true
            result.peerID = info.peerID.description
            result.identityVerified = info.identityVerified
            result.observed = info.identify.observedAddr?.description
            result.agentVersion = info.identify.agentVersion
            result.protocolVersion = info.identify.protocolVersion
            result.protocols = info.identify.protocols
            result.listenAddrs = info.identify.listenAddrs.map(\.description)
            result.connectMs = info.connectMs
            result.rttMs = info.rttMs
        } catch {
            result.error = error.description
            result.errorCode = error.code
        }
        return result
    }
}

extension ProbeReport {
    /// One libp2p node (`probe --libp2p`).
    public struct Libp2pResult: Sendable, Encodable {
        /// The multiaddr as given.
        public var address: String
        /// Whether the node answered identify over a secured connection.
        public var reachable = false
        @Nullable public var peerID: String?
        /// Whether its identity key signed its Noise key: null for key types natctl does not check.
        @Nullable public var identityVerified: Bool?
        /// Where the node sees this host (identify's observedAddr).
        @Nullable public var observed: String?
        @Nullable public var agentVersion: String?
        @Nullable public var protocolVersion: String?
        public var protocols: [String] = []
        public var listenAddrs: [String] = []
        /// TCP connect time, and a yamux ping's round trip over the secured connection.
        @Nullable public var connectMs: Double?
        @Nullable public var rttMs: Double?
        @Nullable public var error: String?
        /// `bad-address`, `name-not-resolved`, `connect-failed`, `no-answer`, `closed`, `protocol-refused`, `malformed`, `wrong-peer`.
        @Nullable public var errorCode: String?

        enum CodingKeys: String, CodingKey {
            case address, reachable, identityVerified, observed, agentVersion, protocolVersion, protocols, listenAddrs, connectMs, rttMs
            case error, errorCode
            case peerID = "peerId"
        }

        public init(address: String) { self.address = address }
    }
}
