/// SOURCE-ADDRESS (RFC 3489 §11.2.5): the legacy twin of RESPONSE-ORIGIN.
public struct SourceAddress: PlainAddressAttribute, Hashable {
    public static let attributeType = STUNAttributeType.sourceAddress
    public var address: TransportAddress
    public init(_ address: TransportAddress) { self.address = address }
}

/// CHANGED-ADDRESS (RFC 3489 §11.2.3): the legacy twin of OTHER-ADDRESS.
public struct ChangedAddress: PlainAddressAttribute, Hashable {
    public static let attributeType = STUNAttributeType.changedAddress
    public var address: TransportAddress
    public init(_ address: TransportAddress) { self.address = address }
}
