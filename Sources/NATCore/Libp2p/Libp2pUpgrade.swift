import Libp2pWire
import NATWire

/// Makes a TCP connection a `Libp2pConnection`, from either end: multistream-select `/noise`,
/// the Noise XX handshake (identities checked both ways), multistream-select `/yamux/1.0.0`.
public enum Libp2pUpgrade {
    /// Dials `given` (`/ip4|ip6|dns|dns4|dns6/…/tcp/…`, optionally `/p2p/…`, which must then match).
    public static func dial(
        _ given: Multiaddr, identity: Libp2pIdentity, limit: Duration, maximumInboundStreams: Int = 0
    ) async throws(Libp2pError) -> Libp2pConnection {
        let deadline = ContinuousClock.now + limit
        let address = try await given.resolvingName(limit: limit / 2)
        guard !address.components.contains(.p2pCircuit), let target = address.tcpAddress else {
            throw .unsupportedAddress("\(address) is not /ip4/…/tcp/… or /ip6/…/tcp/… (with an optional /p2p/…)")
        }
        let started = ContinuousClock.now
        let raw = try await Libp2pByteStream.connect(to: target, deadline: deadline)
        let connectTime = ContinuousClock.now - started
        do {
            try await Libp2pDialer.negotiate(Libp2pDialer.noise, on: raw, deadline: deadline)
            let (secure, peer, verified) = try await Libp2pDialer.handshake(raw, expecting: address.peerID, identity: identity, deadline: deadline)
            try await Libp2pDialer.negotiate(Libp2pDialer.yamux, on: secure, deadline: deadline)
            return try connection(raw, secure, peer, verified: verified, connectTime: connectTime, maximumInboundStreams: maximumInboundStreams)
        } catch {
            await raw.close()
            throw error
        }
    }

    /// Upgrades a connection a listener accepted, within `deadline`.
    static func accept(
        _ raw: Libp2pByteStream, identity: Libp2pIdentity, deadline: ContinuousClock.Instant, maximumInboundStreams: Int
    ) async throws(Libp2pError) -> Libp2pConnection {
        _ = try await answer(raw, offering: [Libp2pDialer.noise], deadline: deadline)
        let (secure, peer) = try await respond(raw, identity: identity, deadline: deadline)
        _ = try await answer(secure, offering: [Libp2pDialer.yamux], deadline: deadline)
        return try connection(raw, secure, peer, verified: true, connectTime: nil, maximumInboundStreams: maximumInboundStreams)
    }

    /// multistream-select as the listener: echoes the header, then answers each proposal with
    /// `na` until one is offered (at most 8 tries); returns the agreed protocol.
    static func answer(_ layer: some Libp2pLayer, offering protocols: Set<String>, deadline: ContinuousClock.Instant) async throws(Libp2pError) -> String {
        let doing = "agreeing on a protocol"
        let header = try await layer.read(doing, deadline: deadline, parse: Libp2pDialer.multistreamLine)
        guard header == Multistream.header else { throw .malformed(Libp2pDecodeError("multistream-select", "header '\(header)'")) }
        try layer.send(Multistream.message(Multistream.header))
        for _ in 0..<8 {
            let proposal = try await layer.read(doing, deadline: deadline, parse: Libp2pDialer.multistreamLine)
            if protocols.contains(proposal) {
                try layer.send(Multistream.message(proposal))
                return proposal
            }
            try layer.send(Multistream.message(Multistream.notAvailable))
        }
        throw .refused("any of the 8 protocols proposed")
    }

    /// The Noise XX handshake as responder; returns the secured stream and the dialer's peer ID
    /// (its identity key must be Ed25519 and have signed its Noise key).
    static func respond(_ raw: Libp2pByteStream, identity: Libp2pIdentity, deadline: ContinuousClock.Instant) async throws(Libp2pError) -> (Libp2pSecureStream, PeerID) {
        var handshake = NoiseXXHandshake(initiator: false)
        let doing = "the Noise handshake"
        let first = try await raw.read(doing, deadline: deadline, parse: NoiseFrame.parse)
        do { _ = try handshake.readFirst(first) } catch { throw .malformed(error) }
        do {
            let ours = try NoiseHandshakePayload(signing: handshake.staticPublicKey, with: identity)
            raw.send(NoiseFrame.frame(try handshake.writeSecond(payload: ours.encoded)))
        } catch {
            throw .closed("answering the Noise handshake: \(error)")
        }
        let third = try await raw.read(doing, deadline: deadline, parse: NoiseFrame.parse)
        let payload: NoiseHandshakePayload
        do { payload = try NoiseHandshakePayload(encoded: try handshake.readThird(third)) } catch { throw .malformed(error) }
        // A listener keeps connections by peer (the relay finds reserved peers that way), so a
        // key natctl cannot check (RSA, secp256k1, ECDSA) could claim anyone's peer ID: refused.
        guard let remoteStatic = handshake.remoteStatic, payload.signs(staticKey: remoteStatic) == true else {
            throw .wrongPeer("the dialer's identity key did not sign its Noise key, or is of a type natctl cannot check (it accepts Ed25519)")
        }
        return (Libp2pSecureStream(raw: raw, ciphers: handshake.transportCiphers()), payload.identityKey.peerID)
    }

    private static func connection(
        _ raw: Libp2pByteStream, _ secure: Libp2pSecureStream, _ peer: PeerID, verified: Bool?, connectTime: Duration?, maximumInboundStreams: Int
    ) throws(Libp2pError) -> Libp2pConnection {
        guard let remote = raw.remoteAddress, let local = raw.localAddress else { throw .closed("upgrading the connection") }
        return Libp2pConnection(
            raw: raw, secure: secure, remotePeer: peer, identityVerified: verified, connectTime: connectTime, remoteAddress: remote,
            localAddress: local, maximumInboundStreams: maximumInboundStreams)
    }
}
