import FuzzSupport
import NATWire

/// Integrity and FINGERPRINT checks of a decoded message, and message-level round trips.
enum STUNChecks {
    /// Fixed keys: a short-term one (RFC 5769's password) and long-term MD5 and SHA-256 ones.
    static let keys: [STUNIntegrityKey] = [
        .shortTerm(password: "VOkJxbRl1RmTxUk/WvJxBt"),
        .longTerm(username: "user", realm: "example.org", password: "pass"),
        .longTerm(username: "user", realm: "example.org", password: "pass", algorithm: .sha256),
    ]

    /// The key for one message: chosen by its transaction ID, so each key gets fuzzed while
    /// every input pays for one HMAC pair only (the MACs dominate the harness's time).
    static func key(for message: STUNMessage) -> STUNIntegrityKey {
        keys[Int(message.transactionID.bytes[11]) % keys.count]
    }

    /// The checks a server and client run on what they receive; any answer is fine, a trap is not.
    /// Stream framing (TCP/TLS): a frame is at least a ChannelData header, a multiple of 4,
    /// and never longer than the largest message; a whole STUN message frames to its own length.
    static func frame(_ bytes: [UInt8]) {
        switch STUNStreamFraming.frame(at: bytes) {
        case .length(let length):
            guard length >= 4, length % 4 == 0, length <= STUNStreamFraming.maximumLength else {
                fatalError("stream frame of \(length) bytes")
            }
            if STUNMessage.looksLikeSTUN(bytes), (try? STUNMessage(decoding: bytes)) != nil, length != bytes.count {
                fatalError("a whole STUN message of \(bytes.count) bytes framed as \(length)")
            }
        case .needMore, .invalid:
            break
        }
    }

    static func verify(_ message: STUNMessage) {
        _ = message.checkFingerprint()
        _ = message.checkMessageIntegrity(key: key(for: message))
        _ = message.checkMessageIntegritySHA256(key: key(for: message))
    }

    /// A decoded message re-encodes to one that decodes equal; with its own integrity and
    /// FINGERPRINT attributes replaced by freshly computed ones, all three checks pass.
    static func roundTrip(_ message: STUNMessage) {
        let plain = message.encoded()
        let again = try? STUNMessage(decoding: plain)
        fuzzRequire(again == message, "re-encoded message decodes differently: \(message)")

        var bare = message
        bare.attributes.removeAll { [.messageIntegrity, .messageIntegritySHA256, .fingerprint].contains($0.type) }
        let key = key(for: message)
        let signed = bare.encoded(integrity: key, integritySHA256: key, fingerprint: true)
        // Signing adds 68 bytes; past the 16-bit length field the message cannot be sent at all.
        guard signed.count - STUNMessage.headerLength <= Int(UInt16.max) else { return }
        guard let received = try? STUNMessage(decoding: signed) else {
            fuzzRequire(false, "signed message does not decode: \(bare)")
            return
        }
        fuzzRequire(received.checkMessageIntegrity(key: key) == .valid, "MESSAGE-INTEGRITY of own signature fails: \(bare)")
        fuzzRequire(received.checkMessageIntegritySHA256(key: key) == .valid, "MESSAGE-INTEGRITY-SHA256 of own signature fails: \(bare)")
        fuzzRequire(received.checkFingerprint() == .valid, "FINGERPRINT of own message fails: \(bare)")
    }
}
