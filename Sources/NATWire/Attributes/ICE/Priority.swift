/// PRIORITY (RFC 8445 §7.1.1): the priority a peer-reflexive candidate learned from this
/// check would get; natctl carries it so captures read like ICE.
public struct Priority: IntegerAttribute, Hashable {
    public static let attributeType = STUNAttributeType.priority
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }
}
