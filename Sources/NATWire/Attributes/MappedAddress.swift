/// MAPPED-ADDRESS (RFC 8489 §14.1; RFC 3489 §11.2.1): the reflexive transport address in the
/// clear, kept for RFC 3489 clients.
public struct MappedAddress: PlainAddressAttribute, Hashable {
    public static let attributeType = STUNAttributeType.mappedAddress
    public var address: TransportAddress
    public init(_ address: TransportAddress) { self.address = address }
}
