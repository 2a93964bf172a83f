import NATWire

/// A TURN username and password (long-term credentials, RFC 8489 §9.2).
public struct TURNCredential: Sendable, Hashable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

/// What the client learned from the server's 401/438 challenges: realm, nonce and which
/// algorithm and integrity attribute to use (RFC 8489 §9.2.3).
struct TURNAuthState: Sendable {
    var credential: TURNCredential?
    var realm: String?
    var nonce: String?
    var offeredAlgorithms: PasswordAlgorithms?
    var key: STUNIntegrityKey?

    /// An RFC 8489 server marks its nonce with `Nonce.securityFeatureCookie`; then natctl uses
    /// SHA-256 for the key and MESSAGE-INTEGRITY-SHA256. Older servers (coturn) get MD5 and MESSAGE-INTEGRITY.
    var usesSHA256: Bool {
        nonce?.hasPrefix(Nonce.securityFeatureCookie) == true && offeredAlgorithms?.known.contains(.sha256) == true
    }

    /// Takes REALM, NONCE and PASSWORD-ALGORITHMS from a challenge and derives the key.
    mutating func learn(from challenge: STUNMessage) {
        if let realm = try? challenge.attribute(Realm.self) { self.realm = realm.text }
        if let nonce = try? challenge.attribute(Nonce.self) { self.nonce = nonce.text }
        if let offered = try? challenge.attribute(PasswordAlgorithms.self) { offeredAlgorithms = offered }
        guard let credential, let realm else { return }
        key = STUNIntegrityKey.longTerm(
            username: credential.username, realm: realm, password: credential.password, algorithm: usesSHA256 ? .sha256 : .md5)
    }

    /// Adds USERNAME, REALM, NONCE (and the algorithm echo) and encodes with integrity.
    func sign(_ message: STUNMessage) -> [UInt8] {
        guard let credential, let realm, let nonce, let key else { return message.encoded(fingerprint: true) }
        var signed = message
        signed.append(Username(credential.username))
        signed.append(Realm(realm))
        signed.append(Nonce(nonce))
        if usesSHA256, let offeredAlgorithms {
            signed.append(offeredAlgorithms)
            signed.append(PasswordAlgorithmChoice(.sha256))
            return signed.encoded(integritySHA256: key, fingerprint: true)
        }
        return signed.encoded(integrity: key, fingerprint: true)
    }

    /// Whether a response really comes from someone who knows the key.
    func verify(_ response: STUNMessage) -> Bool {
        guard let key else { return true }
        if response.contains(.messageIntegritySHA256) { return response.checkMessageIntegritySHA256(key: key) == .valid }
        return response.checkMessageIntegrity(key: key) == .valid
    }
}
