/// EVEN-PORT (RFC 8656 §18.6): the client wants an even relayed port (RTP), and with the R bit
/// also the next port held for a later allocation (RTCP). One byte: R is the top bit.
public struct EvenPort: STUNAttributeValue, Hashable {
    public static let attributeType = STUNAttributeType.evenPort
    public var reserveNext: Bool

    public init(reserveNext: Bool) { self.reserveNext = reserveNext }

    public init(stunValue: ArraySlice<UInt8>, transactionID: TransactionID) throws(STUNDecodeError) {
        guard let first = stunValue.first else { throw STUNDecodeError(place: "value", reason: "is empty, not 1 byte") }
        reserveNext = first & 0x80 != 0
    }

    public func stunValue(transactionID: TransactionID) -> [UInt8] { [reserveNext ? 0x80 : 0] }
}
