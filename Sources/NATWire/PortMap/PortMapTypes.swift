/// The three ways a host asks its gateway for an inbound port: UPnP IGD (SOAP over HTTP, found by
/// SSDP), NAT-PMP (RFC 6886) and PCP (RFC 6887). Raw values are the names the CLI and JSON use.
public enum PortMapProtocol: String, Sendable, Codable, CaseIterable, Comparable {
    case upnp, natpmp, pcp

    /// How a person writes it.
    public var displayName: String {
        switch self {
        case .upnp: "UPnP"
        case .natpmp: "NAT-PMP"
        case .pcp: "PCP"
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The transport protocol a mapping forwards.
public enum MappedTransport: String, Sendable, Codable, CaseIterable {
    case udp, tcp

    /// IANA protocol number (PCP's protocol field).
    public var ipProtocolNumber: UInt8 { self == .udp ? 17 : 6 }
    /// UPnP's NewProtocol value.
    public var upnpName: String { self == .udp ? "UDP" : "TCP" }
}

/// What a caller asks the gateway for.
public struct PortMapRequest: Sendable, Equatable {
    public var transport: MappedTransport
    /// The host's port the mapping forwards to.
    public var internalPort: UInt16
    /// The external port wanted; 0 lets the gateway choose (it may also ignore a suggestion).
    public var suggestedExternalPort: UInt16
    /// Seconds the mapping should live; 0 is refused here (every protocol reads it as "delete").
    public var lifetimeSeconds: UInt32
    /// UPnP's NewPortMappingDescription, shown in the router's table.
    public var description: String

    public init(transport: MappedTransport, internalPort: UInt16, suggestedExternalPort: UInt16 = 0, lifetimeSeconds: UInt32 = 7200, description: String = "natctl") {
        self.transport = transport
        self.internalPort = internalPort
        self.suggestedExternalPort = suggestedExternalPort
        self.lifetimeSeconds = lifetimeSeconds
        self.description = description
    }
}

/// A mapping the gateway granted (or listed): enough to report it, renew it and delete it.
public struct PortMapping: Sendable, Equatable, Encodable {
    public var `protocol`: PortMapProtocol
    public var transport: MappedTransport
    /// The host address the gateway forwards to (UPnP's NewInternalClient, PCP's client address).
    public var internalAddress: IPAddress
    public var internalPort: UInt16
    /// The gateway's external address for the mapping; nil when the protocol's answer does not
    /// carry one (NAT-PMP's mapping answer: ask separately).
    public var externalAddress: IPAddress?
    public var externalPort: UInt16
    /// Seconds granted; 0 from UPnP means "until deleted" (a static mapping).
    public var lifetimeSeconds: UInt32
    /// PCP's mapping nonce: a renewal or deletion must repeat it (RFC 6887 §11.1).
    public var nonce: [UInt8]?
    /// UPnP's description (listing only).
    public var description: String?

    public init(
        protocol: PortMapProtocol, transport: MappedTransport, internalAddress: IPAddress, internalPort: UInt16, externalAddress: IPAddress?,
        externalPort: UInt16, lifetimeSeconds: UInt32, nonce: [UInt8]? = nil, description: String? = nil
    ) {
        self.protocol = `protocol`
        self.transport = transport
        self.internalAddress = internalAddress
        self.internalPort = internalPort
        self.externalAddress = externalAddress
        self.externalPort = externalPort
        self.lifetimeSeconds = lifetimeSeconds
        self.nonce = nonce
        self.description = description
    }

    enum CodingKeys: String, CodingKey {
        case `protocol`, transport, internalAddress = "internal_address", internalPort = "internal_port"
        case externalAddress = "external_address", externalPort = "external_port", lifetimeMilliseconds = "lifetime_ms", description, nonce
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(`protocol`, forKey: .protocol)
        try container.encode(transport, forKey: .transport)
        try container.encode(internalAddress.description, forKey: .internalAddress)
        try container.encode(internalPort, forKey: .internalPort)
        try container.encode(externalAddress?.description, forKey: .externalAddress)
        try container.encode(externalPort, forKey: .externalPort)
        // natctl's JSON gives durations in milliseconds (`_ms`); the protocols grant whole seconds.
        try container.encode(UInt64(lifetimeSeconds) * 1000, forKey: .lifetimeMilliseconds)
        try container.encode(description, forKey: .description)
        try container.encode(nonceHex, forKey: .nonce)
    }

    /// The PCP nonce as 24 lowercase hex digits, as JSON and text show it; nil without one.
    public var nonceHex: String? { nonce.map(Hex.encode) }

    /// Parses the nonce as `portmap add` prints it (24 hex digits), for `portmap delete --nonce`.
    public static func nonce(hex text: String) -> [UInt8]? {
        guard text.utf8.count == 24 else { return nil }
        return Hex.decode(text)
    }
}

extension IPAddress {
    /// Whether peers on the internet could reach this address: the test for "is the gateway's
    /// external address worth mapping on".
    public var isPubliclyRoutable: Bool { !IPPrefix.nonPublic.contains { $0.contains(self) } }

    /// RFC 6598 shared space: the address a carrier-grade NAT gives its customers.
    public var isCarrierShared: Bool { IPPrefix.carrierShared.contains(self) }
}
