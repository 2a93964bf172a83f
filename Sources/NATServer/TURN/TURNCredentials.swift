import Crypto
import Foundation
import NATWire

/// Who may use the relay, with which password (RFC 8489 §9.2 long-term credentials).
public struct TURNCredentials: Sendable {
    /// The realm clients hash into their key (`--realm`).
    public var realm: String
    /// Fixed users (`--user NAME:PASSWORD`, `--users-file`).
    public var users: [String: String]
    /// coturn's `use-auth-secret` (the TURN REST API scheme): the username is `expiry:name`,
    /// the password base64(HMAC-SHA1(secret, username)), valid until the unix time `expiry`.
    public var sharedSecrets: [String]
    /// `--no-auth`: anyone may allocate, no integrity at all.
    public var open: Bool

    public init(realm: String, users: [String: String] = [:], sharedSecrets: [String] = [], open: Bool = false) {
        self.realm = realm
        self.users = users
        self.sharedSecrets = sharedSecrets
        self.open = open
    }

    /// Whether any way to authenticate is configured.
    public var isConfigured: Bool { open || !users.isEmpty || !sharedSecrets.isEmpty }

    /// The passwords `username` may hold now: none when the user is unknown or their
    /// time-limited name has expired; one per shared secret, so secrets can be rotated.
    func passwords(for username: String, now: Date) -> [String] {
        if let password = users[username] { return [password] }
        guard let expiry = Self.sharedSecretExpiry(username), expiry > now.timeIntervalSince1970 else { return [] }
        return sharedSecrets.map { Self.sharedSecretPassword(secret: $0, username: username) }
    }

    /// The unix time a `expiry:name` (or bare `expiry`) username stops being valid.
    static func sharedSecretExpiry(_ username: String) -> Double? {
        Double(username.split(separator: ":", maxSplits: 1).first ?? "")
    }

    /// base64(HMAC-SHA1(secret, username)), the password of the shared-secret scheme.
    public static func sharedSecretPassword(secret: String, username: String) -> String {
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Array(username.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// A time-limited username and its password for `name`, valid for `seconds` from `now`.
    public static func sharedSecretCredential(secret: String, name: String, validFor seconds: Int, now: Date = Date())
        -> (username: String, password: String)
    {
        let username = "\(Int(now.timeIntervalSince1970) + seconds):\(name)"
        return (username, sharedSecretPassword(secret: secret, username: username))
    }
}
