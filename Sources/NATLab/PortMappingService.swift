/// Which port-mapping protocols a lab router's miniupnpd serves.
public enum PortMappingService: String, Sendable, Codable {
    /// UPnP IGD, NAT-PMP and PCP.
    case all
    case upnp
    /// NAT-PMP and PCP (miniupnpd's `enable_natpmp` turns on both).
    case natpmp

    var upnp: Bool { self != .natpmp }
    var natpmp: Bool { self != .upnp }

    /// The protocol names, as probe and the lab document list them.
    public var protocols: [String] {
        switch self {
        case .all: ["upnp", "natpmp", "pcp"]
        case .upnp: ["upnp"]
        case .natpmp: ["natpmp", "pcp"]
        }
    }
}
