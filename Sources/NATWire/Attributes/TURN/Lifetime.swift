/// LIFETIME (RFC 8656 §18.2): seconds until an allocation expires without a refresh; 0 in a
/// Refresh request deletes the allocation.
public struct Lifetime: IntegerAttribute, Hashable {
    public static let attributeType = STUNAttributeType.lifetime
    public var value: UInt32
    public var seconds: UInt32 { value }

    public init(_ value: UInt32) { self.value = value }
    public init(seconds: UInt32) { value = seconds }
}
