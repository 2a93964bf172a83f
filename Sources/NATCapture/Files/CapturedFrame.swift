import NATWire

/// The link-layer header a capture's frames start with, as a pcap LINKTYPE_ value (what files
/// store; libpcap's live DLT_ values differ for raw IP, see `init(dlt:)`).
public enum CaptureLinkType: UInt32, Sendable, Codable, CustomStringConvertible {
    /// BSD loopback: a 4-byte address family in the writer's byte order.
    case null = 0
    case ethernet = 1
    /// OpenBSD loopback: a 4-byte address family in network order.
    case loop = 108
    /// Raw IPv4 or IPv6, no link header (tun devices such as wireguard-go's).
    case raw = 101
    /// Linux "cooked" capture v1 (the `any` device): 16-byte header.
    case linuxSLL = 113
    /// Linux cooked capture v2: 20-byte header carrying the interface index.
    case linuxSLL2 = 276
    case ipv4 = 228
    case ipv6 = 229

    /// Maps libpcap's live DLT_ value, which is 12 (or 14 on some systems) for raw IP.
    public init?(dlt: Int32) {
        switch dlt {
        case 12, 14: self = .raw
        default:
            guard dlt >= 0, let known = CaptureLinkType(rawValue: UInt32(dlt)) else { return nil }
            self = known
        }
    }

    public var description: String {
        switch self {
        case .null: "BSD loopback"
        case .ethernet: "Ethernet"
        case .loop: "OpenBSD loopback"
        case .raw: "raw IP"
        case .linuxSLL: "Linux cooked v1"
        case .linuxSLL2: "Linux cooked v2"
        case .ipv4: "raw IPv4"
        case .ipv6: "raw IPv6"
        }
    }
}

/// One interface a capture saw: a pcapng interface description block, or the single
/// interface of a classic pcap file.
public struct CaptureInterface: Sendable, Hashable {
    /// The device, e.g. "eth0"; in lab captures "namespace/device".
    public var name: String
    public var linkType: CaptureLinkType
    /// Addresses configured on the interface when it was captured, if known (pcapng
    /// if_IPv4addr / if_IPv6addr): they tell which packets were this host's own.
    public var addresses: [IPAddress]
    /// The interface belongs to the host the traced operation ran on (not a lab NAT or peer).
    public var isLocal: Bool

    public init(name: String, linkType: CaptureLinkType, addresses: [IPAddress] = [], isLocal: Bool = false) {
        self.name = name
        self.linkType = linkType
        self.addresses = addresses
        self.isLocal = isLocal
    }
}

/// One captured frame as it came off the wire or out of a file.
public struct CapturedFrame: Sendable {
    /// Nanoseconds since the Unix epoch.
    public var timestampNanos: Int64
    /// Index into the capture's interfaces.
    public var interface: Int
    /// The frame's length on the wire; `bytes` may be shorter when the snap length cut it.
    public var originalLength: Int
    public var bytes: [UInt8]

    public init(timestampNanos: Int64, interface: Int, originalLength: Int, bytes: [UInt8]) {
        self.timestampNanos = timestampNanos
        self.interface = interface
        self.originalLength = originalLength
        self.bytes = bytes
    }
}

/// Packets the kernel could not hand to the capture, per interface (pcap_stats).
public struct CaptureDrops: Sendable, Hashable, Codable {
    /// Dropped because the capture buffer was full (the capture fell behind); nil when unknown.
    public var kernel: Int?
    /// Dropped by the interface or its driver before capture; nil when unknown (libpcap on
    /// Linux counts these only in promiscuous mode, which natctl does not use).
    public var interface: Int?

    public init(kernel: Int? = 0, interface: Int? = nil) {
        self.kernel = kernel
        self.interface = interface
    }
}

/// A whole capture: interfaces, frames in time order, and drop counts when known.
public struct Capture: Sendable {
    public var interfaces: [CaptureInterface]
    public var frames: [CapturedFrame]
    /// Devices that failed during a live capture (removed, lab torn down), for stderr.
    public var warnings: [String] = []
    /// Per interface, parallel to `interfaces`; nil when the source did not say.
    public var drops: [CaptureDrops?]

    public init(interfaces: [CaptureInterface], frames: [CapturedFrame], drops: [CaptureDrops?]? = nil) {
        self.interfaces = interfaces
        self.frames = frames
        self.drops = drops ?? interfaces.map { _ in nil }
    }
}
