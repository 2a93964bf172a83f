import NATWire

/// Why a TURN operation failed, in words a user can act on.
public enum TURNClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server did not answer, or the socket failed.
    case transaction(TransactionError)
    /// The server refused the request with an error code (RFC 8656 §18 lists them).
    case rejected(method: String, code: Int, reason: String)
    /// The server still said 401 after the credentials were sent: wrong user or password.
    case wrongCredentials(realm: String)
    /// The server needs credentials and none were given.
    case credentialsNeeded(realm: String)
    /// A response broke the protocol (missing attribute, bad integrity).
    case badResponse(String)

    public var description: String {
        switch self {
        case .transaction(let error): "\(error)"
        case .rejected(let method, let code, let reason): "\(method) refused: \(code) \(reason)"
        case .wrongCredentials(let realm): "the server rejected the username or password (401, realm \"\(realm)\")"
        case .credentialsNeeded(let realm): "the server wants credentials (realm \"\(realm)\"): pass --user and --password"
        case .badResponse(let reason): "bad response from the server: \(reason)"
        }
    }

    /// The STUN error code, when the server sent one.
    public var code: Int? {
        switch self {
        case .rejected(_, let code, _): code
        case .wrongCredentials, .credentialsNeeded: ErrorCode.unauthenticated
        default: nil
        }
    }
}
