import Crypto
import Foundation
import NATWire

/// Long-term credential checks for TURN requests (RFC 8489 §9.2.4), with stateless nonces.
///
/// A nonce is `obMatJos2` + the security-feature bits (§9.2: "password algorithms" set, so
/// RFC 8489 clients may pick SHA-256) + its expiry + an HMAC over expiry and client IP under a
/// per-process secret. The server keeps no nonce table, yet a nonce works only for the client
/// it was given to and only until it expires (then 438, and the client retries with a new one).
struct TURNAuthenticator: Sendable {
    /// `obMatJos2` then base64 of the 24 feature bits with bit 0 (password algorithms) set.
    static let noncePrefix = Nonce.securityFeatureCookie + "gAAA"
    static let offeredAlgorithms: [STUNIntegrityKey.PasswordAlgorithm] = [.sha256, .md5]

    let credentials: TURNCredentials
    let nonceLifetime: UInt32
    private let nonceKey = SymmetricKey(size: .bits256)

    init(credentials: TURNCredentials, nonceLifetime: UInt32) {
        self.credentials = credentials
        self.nonceLifetime = nonceLifetime
    }

    /// An authenticated request: who sent it and the key its response must be signed with.
    struct Identity: Sendable {
        var username: String
        var key: STUNIntegrityKey?
        var usesSHA256: Bool
    }

    /// Why a request was not accepted, with the error response's code and extra attributes.
    struct Rejection: Error {
        var code: Int
        var reason: String?
        /// REALM, NONCE and PASSWORD-ALGORITHMS go with 401 and 438 so the client can retry.
        var challenge: Bool
    }

    func nonce(for client: IPAddress, now: Date) -> String {
        let expiry = String(UInt64(now.timeIntervalSince1970) + UInt64(nonceLifetime), radix: 16)
        return Self.noncePrefix + expiry + "." + tag(expiry, client)
    }

    private func tag(_ expiry: String, _ client: IPAddress) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array((expiry + "|" + client.description).utf8), using: nonceKey)
        // 8 bytes of MAC: forging one is a 2^64 guess per try, and a short nonce keeps the 401
        // challenge within 4 times a minimal Allocate (docs/protocol.md).
        return Hex.encode(mac.prefix(8))
    }

    private func nonceIsFresh(_ nonce: String, client: IPAddress, now: Date) -> Bool {
        guard nonce.hasPrefix(Self.noncePrefix) else { return false }
        let parts = nonce.dropFirst(Self.noncePrefix.count).split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, let expiry = UInt64(parts[0], radix: 16), tag(parts[0], client) == parts[1] else { return false }
        return Double(expiry) > now.timeIntervalSince1970
    }

    /// The attributes of a 401/438 challenge.
    func challenge(for client: IPAddress, now: Date) -> [any STUNAttributeValue] {
        [Realm(credentials.realm), Nonce(nonce(for: client, now: now)), PasswordAlgorithms(Self.offeredAlgorithms)]
    }

    /// Checks `request` from `client` in the order RFC 8489 §9.2.4 gives.
    func authenticate(_ request: STUNMessage, from client: IPAddress, now: Date) -> Result<Identity, Rejection> {
        if credentials.open { return .success(Identity(username: "", key: nil, usesSHA256: false)) }
        let hasSHA256 = request.contains(.messageIntegritySHA256)
        guard hasSHA256 || request.contains(.messageIntegrity) else {
            return .failure(Rejection(code: ErrorCode.unauthenticated, reason: nil, challenge: true))
        }
        guard let username = try? request.attribute(Username.self), let realm = try? request.attribute(Realm.self),
            let nonce = try? request.attribute(Nonce.self)
        else {
            return .failure(Rejection(code: ErrorCode.badRequest, reason: "USERNAME, REALM and NONCE must come with MESSAGE-INTEGRITY", challenge: false))
        }
        guard nonceIsFresh(nonce.text, client: client, now: now) else {
            return .failure(Rejection(code: ErrorCode.staleNonce, reason: nil, challenge: true))
        }
        let algorithm: STUNIntegrityKey.PasswordAlgorithm
        switch chosenAlgorithm(request) {
        case .success(let chosen): algorithm = chosen
        case .failure(let rejection): return .failure(rejection)
        }
        guard realm.text == credentials.realm else {
            return .failure(Rejection(code: ErrorCode.unauthenticated, reason: "Unknown realm", challenge: true))
        }
        for password in credentials.passwords(for: username.text, now: now) {
            let key = STUNIntegrityKey.longTerm(username: username.text, realm: realm.text, password: password, algorithm: algorithm)
            let check = hasSHA256 ? request.checkMessageIntegritySHA256(key: key) : request.checkMessageIntegrity(key: key)
            if check == .valid { return .success(Identity(username: username.text, key: key, usesSHA256: hasSHA256)) }
        }
        return .failure(Rejection(code: ErrorCode.unauthenticated, reason: "Wrong username or password", challenge: true))
    }

    /// PASSWORD-ALGORITHM handling of RFC 8489 §9.2.4: none of the two attributes means MD5;
    /// otherwise both must be there, the list must be the one offered, and the choice on it.
    private func chosenAlgorithm(_ request: STUNMessage) -> Result<STUNIntegrityKey.PasswordAlgorithm, Rejection> {
        let list = try? request.attribute(PasswordAlgorithms.self)
        let choice = try? request.attribute(PasswordAlgorithmChoice.self)
        if list == nil, choice == nil { return .success(.md5) }
        guard let list, let choice, list.known == Self.offeredAlgorithms,
            let algorithm = STUNIntegrityKey.PasswordAlgorithm(rawValue: choice.algorithm), list.known.contains(algorithm)
        else {
            return .failure(Rejection(code: ErrorCode.badRequest, reason: "PASSWORD-ALGORITHM(S) do not match the offer", challenge: false))
        }
        return .success(algorithm)
    }
}
