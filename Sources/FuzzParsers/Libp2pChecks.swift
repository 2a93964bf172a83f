import FuzzSupport
import Libp2pWire

/// What natctl reads from libp2p peers (`probe --libp2p`, `classify --autonat`, the relay's
/// libp2p host): binary multiaddrs, identify, multistream-select lines, Noise payloads and
/// frames, yamux frames fed to a session, circuit relay v2 and AutoNAT messages, signed
/// envelopes, identity files, and multiaddrs and peer IDs typed as flags. Reading never traps, and what reads is what was sent:
/// decoders that accept bytes give them back when re-encoding.
enum Libp2pChecks {
    static func run(_ bytes: [UInt8]) {
        if let address = try? Multiaddr(bytes: bytes) {
            fuzzRequire(address.bytes == bytes, "binary multiaddr \(address) does not encode back to its bytes")
            fuzzRequire((try? Multiaddr(parsing: address.description)) == address, "multiaddr \(address) does not read back as text")
        }
        if let message = try? IdentifyMessage(encoded: bytes) {
            fuzzRequire((try? IdentifyMessage(encoded: message.encoded)) == message, "an identify message does not round-trip")
        }
        if let (text, length) = try? Multistream.parse(bytes) {
            fuzzRequire(Multistream.message(text) == Array(bytes.prefix(length)), "multistream line '\(text)' does not encode back")
        }
        if let (frame, length) = try? YamuxFrame.parse(bytes, maximumData: Int(YamuxSession.initialWindow)) {
            fuzzRequire(frame.encoded == Array(bytes.prefix(length)), "a yamux frame does not encode back to its bytes")
        }
        if let payload = try? NoiseHandshakePayload(encoded: bytes) { _ = payload.signs(staticKey: bytes) }
        if let hop = try? HopMessage(encoded: bytes) {
            fuzzRequire((try? HopMessage(encoded: hop.encoded)) == hop, "a hop message does not round-trip")
        }
        if let stop = try? StopMessage(encoded: bytes) {
            fuzzRequire((try? StopMessage(encoded: stop.encoded)) == stop, "a stop message does not round-trip")
        }
        if let autonat = try? AutoNATMessage(encoded: bytes) {
            fuzzRequire((try? AutoNATMessage(encoded: autonat.encoded)) == autonat, "an AutoNAT message does not round-trip")
        }
        if let envelope = try? SignedEnvelope(encoded: bytes) {
            _ = envelope.verifies(domain: ReservationVoucher.domain)
            _ = try? ReservationVoucher(payload: envelope.payload)
        }
        _ = try? Libp2pIdentity(marshalled: bytes)
        _ = try? NoiseFrame.parse(bytes)
        feedYamux(bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        if let address = try? Multiaddr(parsing: text) {
            fuzzRequire((try? Multiaddr(parsing: address.description)) == address, "multiaddr '\(text)' prints as '\(address)', which reads differently")
        }
        if let peer = PeerID(text) { fuzzRequire(PeerID(peer.description) == peer, "peer ID '\(text)' does not read back") }
    }

    /// Every frame in the bytes goes to a session, as a node's would: errors end it, nothing traps,
    /// and the window it keeps never goes past what it granted.
    private static func feedYamux(_ bytes: [UInt8]) {
        var session = YamuxSession(isClient: true, maximumInboundStreams: 4)
        _ = session.open()
        var rest = bytes
        while let (frame, length) = try? YamuxFrame.parse(rest, maximumData: Int(YamuxSession.initialWindow)) {
            rest.removeFirst(length)
            guard (try? session.receive(frame)) != nil else { return }
            fuzzRequire(session.streams.count <= 5, "more streams than the limit allows")
        }
    }
}
