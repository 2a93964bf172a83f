import Libp2pWire
import NATWire

extension Multiaddr {
    /// Whether the address starts `/dns|dns4|dns6/NAME/tcp/PORT`: a name to resolve first.
    public var isDNSOverTCP: Bool {
        guard components.count >= 2, case .tcp = components[1] else { return false }
        switch components[0] {
        case .dns, .dns4, .dns6: return true
        default: return false
        }
    }

    /// The address with its leading `/dns*` name replaced by the first address it resolves to
    /// (IPv4 for `dns4`, IPv6 for `dns6`, either for `dns`); itself when it names no host.
    public func resolvingName(limit: Duration) async throws(Libp2pError) -> Multiaddr {
        guard isDNSOverTCP else { return self }
        let (name, family): (String, IPAddress.Family?) =
            switch components[0] {
            case .dns4(let name): (name, .ipv4)
            case .dns6(let name): (name, .ipv6)
            case .dns(let name): (name, nil)
            default: ("", nil)
            }
        let found: [IPAddress]
        do { found = try await HostResolver.resolve(name, limit: limit) } catch { throw .nameNotResolved("\(name): \(error)") }
        guard let ip = found.first(where: { family == nil || $0.family == family }) else {
            throw .nameNotResolved("\(name) has no \(family == .ipv6 ? "IPv6" : "IPv4") address")
        }
        return Multiaddr([ip.family == .ipv4 ? .ip4(ip) : .ip6(ip)] + components.dropFirst())
    }
}
