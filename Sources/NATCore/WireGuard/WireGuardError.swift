/// Why natctl could not read or change a WireGuard interface.
public enum WireGuardError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No UAPI socket and `wg` does not know the interface.
    case noInterface(String)
    /// Not allowed: the caller needs root, or CAP_NET_ADMIN.
    case permission(String)
    /// WireGuard refused a request (a negative errno from UAPI, or `wg`'s exit status).
    case refused(errno: Int)
    /// An answer natctl cannot read, or a tool that failed.
    case protocolError(String)

    public var description: String {
        switch self {
        case .noInterface(let name):
            "no WireGuard interface '\(name)' (no UAPI socket in /var/run/wireguard and `wg show \(name)` failed); is it up?"
        case .permission(let detail): "permission denied (\(detail)): run as root, or give natctl CAP_NET_ADMIN and CAP_NET_RAW"
        case .refused(let errno): "WireGuard refused the request (errno \(errno))"
        case .protocolError(let detail): "unexpected answer from WireGuard: \(detail)"
        }
    }
}
