/// XOR-MAPPED-ADDRESS (RFC 8489 §14.2): the client's reflexive transport address, XORed so
/// that NATs rewriting addresses inside payloads leave it alone.
public struct XORMappedAddress: XORAddressAttribute, Hashable {
    public static let attributeType = STUNAttributeType.xorMappedAddress
    public var address: TransportAddress
    public init(_ address: TransportAddress) { self.address = address }
}
