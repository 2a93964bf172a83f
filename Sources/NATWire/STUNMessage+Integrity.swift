import Crypto
import Foundation

/// A key for MESSAGE-INTEGRITY / MESSAGE-INTEGRITY-SHA256 (RFC 8489 §9.1–9.2).
public struct STUNIntegrityKey: Sendable, Hashable {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Short-term credentials: the key is the SASLprep'd password itself (RFC 8489 §9.1.1).
    public static func shortTerm(password: String) -> STUNIntegrityKey {
        STUNIntegrityKey(bytes: Array(SASLprep.prepare(password).utf8))
    }

    /// The password algorithms of RFC 8489 §18.5.
    public enum PasswordAlgorithm: UInt16, Sendable {
        case md5 = 0x0001
        case sha256 = 0x0002
    }

    /// Long-term credentials: the key is a digest of `username:realm:password`, with realm and
    /// password SASLprep'd (RFC 8489 §9.2.2).
    public static func longTerm(
        username: String, realm: String, password: String, algorithm: PasswordAlgorithm = .md5
    ) -> STUNIntegrityKey {
        let input = Array("\(username):\(SASLprep.prepare(realm)):\(SASLprep.prepare(password))".utf8)
        switch algorithm {
        case .md5: return STUNIntegrityKey(bytes: Array(Insecure.MD5.hash(data: input)))
        case .sha256: return STUNIntegrityKey(bytes: Array(SHA256.hash(data: input)))
        }
    }
}

/// The outcome of checking one integrity or fingerprint attribute in a received message.
public enum STUNCheck: String, Sendable {
    case valid, invalid, absent
}

extension STUNMessage {
    /// XORed into the CRC-32 so a STUN FINGERPRINT differs from other protocols' CRCs (RFC 8489 §14.7).
    public static let fingerprintXOR: UInt32 = 0x5354_554E

    /// The wire bytes, with MESSAGE-INTEGRITY (HMAC-SHA1), MESSAGE-INTEGRITY-SHA256 and FINGERPRINT
    /// appended in that order when asked for, each computed over everything before it with the
    /// length field covering it (RFC 8489 §14.5–14.7). `paddingByte` fills attribute padding.
    public func encoded(
        integrity: STUNIntegrityKey? = nil, integritySHA256: STUNIntegrityKey? = nil, fingerprint: Bool = false,
        paddingByte: UInt8 = 0
    ) -> [UInt8] {
        var out = encodedBody(paddingByte: paddingByte)
        if let key = integrity {
            Self.patchLength(&out, attributesLength: out.count - Self.headerLength + 24)
            let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: out, using: SymmetricKey(data: key.bytes)))
            Self.appendAttribute(STUNAttribute(type: .messageIntegrity, value: mac), to: &out)
        }
        if let key = integritySHA256 {
            Self.patchLength(&out, attributesLength: out.count - Self.headerLength + 36)
            let mac = Array(HMAC<SHA256>.authenticationCode(for: out, using: SymmetricKey(data: key.bytes)))
            Self.appendAttribute(STUNAttribute(type: .messageIntegritySHA256, value: mac), to: &out)
        }
        if fingerprint {
            Self.patchLength(&out, attributesLength: out.count - Self.headerLength + 8)
            var value: [UInt8] = []
            value.appendUInt32(CRC32.checksum(out) ^ Self.fingerprintXOR)
            Self.appendAttribute(STUNAttribute(type: .fingerprint, value: value), to: &out)
        }
        return out
    }

    /// Checks MESSAGE-INTEGRITY (HMAC-SHA1) of a received message against `key`.
    public func checkMessageIntegrity(key: STUNIntegrityKey) -> STUNCheck {
        checkMAC(.messageIntegrity) { data, length in
            Array(HMAC<Insecure.SHA1>.authenticationCode(for: data, using: SymmetricKey(data: key.bytes)).prefix(length))
        }
    }

    /// Checks MESSAGE-INTEGRITY-SHA256 of a received message against `key`; truncated values
    /// (16–32 bytes) are compared on their length.
    public func checkMessageIntegritySHA256(key: STUNIntegrityKey) -> STUNCheck {
        checkMAC(.messageIntegritySHA256) { data, length in
            Array(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: key.bytes)).prefix(length))
        }
    }

    /// Checks FINGERPRINT of a received message.
    public func checkFingerprint() -> STUNCheck {
        guard let (prefix, value) = receivedPrefix(before: .fingerprint) else { return .absent }
        var expected: [UInt8] = []
        expected.appendUInt32(CRC32.checksum(prefix) ^ Self.fingerprintXOR)
        return expected == value ? .valid : .invalid
    }

    private func checkMAC(_ type: STUNAttributeType, mac: ([UInt8], Int) -> [UInt8]) -> STUNCheck {
        guard let (prefix, value) = receivedPrefix(before: type) else { return .absent }
        return constantTimeEqual(mac(prefix, value.count), value) ? .valid : .invalid
    }

    /// The received bytes before attribute `type`, with the length field rewritten to end just
    /// after that attribute, as the sender computed it; and the attribute's value.
    private func receivedPrefix(before type: STUNAttributeType) -> ([UInt8], [UInt8])? {
        guard let bytes = receivedBytes, let index = attributes.firstIndex(where: { $0.type == type }),
            index < attributeOffsets.count
        else { return nil }
        let offset = attributeOffsets[index]
        let value = attributes[index].value
        var prefix = Array(bytes[..<offset])
        Self.patchLength(&prefix, attributesLength: offset - Self.headerLength + 4 + value.count)
        return (prefix, value)
    }

    private func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
