import NATWire

/// Picks the protocol to map with: the one named, or (auto) PCP, then NAT-PMP, then UPnP, the
/// order Tailscale and go-libp2p use: the cheapest, most precise protocol first.
public enum PortMapSelection {
    public static let automaticOrder: [PortMapProtocol] = [.pcp, .natpmp, .upnp]

    /// A ready mapper for `kind` (UPnP must be discovered first; the others need only the gateway).
    public static func mapper(_ kind: PortMapProtocol, gateway: DefaultGateway, limit: Duration) async throws(PortMapError) -> any PortMapper {
        switch kind {
        case .natpmp: NATPMPGateway(gateway: gateway)
        case .pcp: PCPGateway(gateway: gateway)
        case .upnp: try await UPnPClient.discover(gateway: gateway, limit: limit)
        }
    }

    /// One protocol's failed try, for the report.
    public struct Attempt: Encodable, Sendable {
        public var `protocol`: PortMapProtocol
        public var error: ReportError

        public init(_ kind: PortMapProtocol, _ error: PortMapError) {
            self.protocol = kind
            self.error = error.report
        }
    }

    /// The failures in words, for a warning or an error message.
    public static func reasons(_ attempts: [Attempt]) -> String {
        attempts.map { "\($0.protocol.displayName): \($0.error.message)" }.joined(separator: "; ")
    }

    /// Tries `kinds` in order until one grants the mapping; the failures come back too.
    public static func add(
        _ request: PortMapRequest, kinds: [PortMapProtocol], gateway: DefaultGateway, limit: Duration
    ) async -> (mapper: (any PortMapper)?, mapping: PortMapping?, attempts: [Attempt]) {
        var attempts: [Attempt] = []
        for kind in kinds {
            do {
                let mapper = try await mapper(kind, gateway: gateway, limit: limit)
                return (mapper, try await mapper.add(request, limit: limit), attempts)
            } catch {
                attempts.append(Attempt(kind, error))
            }
        }
        return (nil, nil, attempts)
    }
}
