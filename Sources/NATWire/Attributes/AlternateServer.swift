/// ALTERNATE-SERVER (RFC 8489 §14.15): where a 300 (Try Alternate) response redirects the client.
public struct AlternateServer: PlainAddressAttribute, Hashable {
    public static let attributeType = STUNAttributeType.alternateServer
    public var address: TransportAddress
    public init(_ address: TransportAddress) { self.address = address }
}
