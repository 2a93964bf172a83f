import Libp2pWire
import NATWire

/// What a libp2p node told natctl over one connection (`probe --libp2p`).
public struct Libp2pNodeInfo: Sendable {
    public var peerID: PeerID
    /// Whether the node's identity key signed its Noise key: nil for key types natctl does not check.
    public var identityVerified: Bool?
    public var identify: IdentifyMessage
    /// TCP connect, and a yamux ping's round trip over the secured connection.
    public var connectMs: Double
    public var rttMs: Double?
}

/// Dials a libp2p node over TCP and upgrades the connection as libp2p does (`Libp2pUpgrade`:
/// multistream-select `/noise`, the Noise XX handshake with identities, `/yamux/1.0.0`), then
/// asks identify (`/ipfs/id/1.0.0`) on one stream with a yamux ping beside it for the round trip.
/// The dialing steps live here because both ends of natctl use them.
public enum Libp2pDialer {
    public static let noise = "/noise"
    public static let yamux = "/yamux/1.0.0"

    public static func identify(_ address: Multiaddr, identity: Libp2pIdentity, limit: Duration) async throws(Libp2pError) -> Libp2pNodeInfo {
        let deadline = ContinuousClock.now + limit
        let connection = try await Libp2pUpgrade.dial(address, identity: identity, limit: limit)
        Task { await connection.run { $0.reset() } }  // the probe accepts no streams
        // A ping beside identify, waited for at most 2 s: a node that ignores pings costs no more.
        async let roundTrip = connection.ping(deadline: min(deadline, .now + .seconds(2)))
        do {
            let message = try await connection.identify(deadline: deadline)
            let rtt = await roundTrip
            await connection.close()
            return Libp2pNodeInfo(
                peerID: connection.remotePeer, identityVerified: connection.identityVerified, identify: message,
                connectMs: (connection.connectTime ?? .zero).millisecondsDouble, rttMs: rtt?.millisecondsDouble)
        } catch {
            await connection.close()
            throw error
        }
    }

    /// One multistream-select line, in the shape the layers' readers take.
    static func multistreamLine(_ buffer: [UInt8]) throws(Libp2pDecodeError) -> (String, Int)? {
        try Multistream.parse(buffer).map { ($0.text, $0.length) }
    }

    /// Pipelined multistream-select as the dialer: the header and the protocol at once, then
    /// the listener's echo of both (or `na`).
    static func negotiate(_ proto: String, on layer: some Libp2pLayer, deadline: ContinuousClock.Instant) async throws(Libp2pError) {
        try layer.send(Multistream.message(Multistream.header) + Multistream.message(proto))
        let doing = "negotiating \(proto)"
        let header = try await layer.read(doing, deadline: deadline, parse: multistreamLine)
        guard header == Multistream.header else { throw .malformed(Libp2pDecodeError("multistream-select", "header '\(header)'")) }
        let answer = try await layer.read(doing, deadline: deadline, parse: multistreamLine)
        guard answer == proto else { throw answer == Multistream.notAvailable ? .refused(proto) : .malformed(Libp2pDecodeError("multistream-select", "'\(answer)' for \(proto)")) }
    }

    /// The Noise XX handshake as initiator; checks the node's identity against `expected`.
    static func handshake(
        _ raw: Libp2pByteStream, expecting expected: PeerID?, identity: Libp2pIdentity, deadline: ContinuousClock.Instant
    ) async throws(Libp2pError) -> (Libp2pSecureStream, PeerID, Bool?) {
        var handshake = NoiseXXHandshake(initiator: true)
        do {
            raw.send(NoiseFrame.frame(try handshake.writeFirst()))
        } catch {
            throw .closed("starting the Noise handshake: \(error)")
        }
        let second = try await raw.read("the Noise handshake", deadline: deadline, parse: NoiseFrame.parse)
        let payload: NoiseHandshakePayload
        do {
            payload = try NoiseHandshakePayload(encoded: try handshake.readSecond(second))
        } catch {
            throw .malformed(error)
        }
        let verified = handshake.remoteStatic.flatMap { payload.signs(staticKey: $0) }
        if verified == false { throw .wrongPeer("the node's identity key did not sign its Noise key") }
        let peer = payload.identityKey.peerID
        if let expected, expected != peer { throw .wrongPeer("expected peer \(expected), but the node is \(peer)") }
        do {
            let ours = try NoiseHandshakePayload(signing: handshake.staticPublicKey, with: identity)
            raw.send(NoiseFrame.frame(try handshake.writeThird(payload: ours.encoded)))
        } catch {
            throw .closed("finishing the Noise handshake: \(error)")
        }
        return (Libp2pSecureStream(raw: raw, ciphers: handshake.transportCiphers()), peer, verified)
    }
}

extension Libp2pConnection {
    /// Asks the peer to identify itself on a new stream.
    public func identify(deadline: ContinuousClock.Instant) async throws(Libp2pError) -> IdentifyMessage {
        let stream = try await openStream(IdentifyMessage.protocolID, deadline: deadline)
        let message = try await stream.readMessage("reading identify", maximum: IdentifyMessage.maximumLength, deadline: deadline)
        do { return try IdentifyMessage(encoded: message) } catch { throw .malformed(error) }
    }
}
