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

/// Dials a libp2p node over TCP and upgrades the connection as libp2p does: multistream-select
/// `/noise`, the Noise XX handshake with identities, multistream-select `/yamux/1.0.0`, then one
/// yamux stream for identify (`/ipfs/id/1.0.0`) and a yamux ping for the round trip.
public enum Libp2pDialer {
    public static let noise = "/noise"
    public static let yamux = "/yamux/1.0.0"

    public static func identify(_ given: Multiaddr, identity: Libp2pIdentity, limit: Duration) async throws(Libp2pError) -> Libp2pNodeInfo {
        let deadline = ContinuousClock.now + limit
        let address = try await given.resolvingName(limit: limit / 2)
        guard !address.components.contains(.p2pCircuit), let target = address.tcpAddress else {
            throw .unsupportedAddress("\(address) is not /ip4/…/tcp/… or /ip6/…/tcp/… (with an optional /p2p/…)")
        }
        let started = ContinuousClock.now
        let raw = try await Libp2pByteStream.connect(to: target, deadline: deadline)
        let connectMs = (ContinuousClock.now - started).millisecondsDouble
        do {
            try await negotiate(noise, on: raw, deadline: deadline)
            let (secure, peer, verified) = try await handshake(raw, expecting: address.peerID, identity: identity, deadline: deadline)
            try await negotiate(yamux, on: secure, deadline: deadline)
            let (message, rtt) = try await identify(over: secure, deadline: deadline)
            await raw.close()
            return Libp2pNodeInfo(peerID: peer, identityVerified: verified, identify: message, connectMs: connectMs, rttMs: rtt)
        } catch {
            await raw.close()
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
