/// Why a live capture could not start; the CLI maps every case to exit status 2.
public enum CaptureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libpcap's PCAP_ERROR_PERM_DENIED: raw packet sockets need privileges.
    case notPermitted(interface: String)
    case noSuchInterface(String)
    case badFilter(filter: String, reason: String)
    case pcap(interface: String, reason: String)
    case namespace(String, reason: String)
    case noInterface(reason: String)

    public var description: String {
        switch self {
        case .notPermitted(let interface):
            "capturing on '\(interface)' is not permitted: it needs root or CAP_NET_RAW (run with sudo, or grant it once with 'setcap cap_net_raw,cap_net_admin+eip $(command -v natctl)')"
        case .noSuchInterface(let name): "there is no interface '\(name)' to capture on; 'ip link' lists them"
        case .badFilter(let filter, let reason): "the capture filter '\(filter)' is invalid: \(reason)"
        case .pcap(let interface, let reason): "capture on '\(interface)' failed: \(reason)"
        case .namespace(let name, let reason): "cannot capture in network namespace '\(name)': \(reason)"
        case .noInterface(let reason): "no interface to capture on: \(reason); name one with --interface"
        }
    }
}
