/// RESPONSE-ORIGIN (RFC 5780 §7.3): the address and port the response was sent from, so the
/// client can tell a CHANGE-REQUEST was honoured.
public struct ResponseOrigin: PlainAddressAttribute, Hashable {
    public static let attributeType = STUNAttributeType.responseOrigin
    public var address: TransportAddress
    public init(_ address: TransportAddress) { self.address = address }
}

/// OTHER-ADDRESS (RFC 5780 §7.4): the server's alternate IP and port, where the client sends
/// mapping tests II and III. Only a server with an alternate address includes it.
public struct OtherAddress: PlainAddressAttribute, Hashable {
    public static let attributeType = STUNAttributeType.otherAddress
    public var address: TransportAddress
    public init(_ address: TransportAddress) { self.address = address }
}
