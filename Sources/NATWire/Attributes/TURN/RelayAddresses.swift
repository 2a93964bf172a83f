/// XOR-PEER-ADDRESS (RFC 8656 §18.3): the peer's address as the relay sees it, in
/// CreatePermission, ChannelBind, Send and Data. May repeat in CreatePermission.
public struct XORPeerAddress: XORAddressAttribute, Hashable {
    public static let attributeType = STUNAttributeType.xorPeerAddress
    public var address: TransportAddress
    public init(_ address: TransportAddress) { self.address = address }
}

/// XOR-RELAYED-ADDRESS (RFC 8656 §18.5): the relayed transport address the server allocated.
public struct XORRelayedAddress: XORAddressAttribute, Hashable {
    public static let attributeType = STUNAttributeType.xorRelayedAddress
    public var address: TransportAddress
    public init(_ address: TransportAddress) { self.address = address }
}
