/// RESERVATION-TOKEN (RFC 8656 §18.9): 8 opaque bytes naming a relayed port the server holds
/// for a later Allocate. An Allocate with EVEN-PORT and its R bit gets one back (the port above
/// its even relayed port, for RTCP); an Allocate that carries it gets that port.
public struct ReservationToken: FixedBytesAttribute, Hashable {
    public static let attributeType = STUNAttributeType.reservationToken
    public static let byteCount = 8
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// A fresh token from the system's random source.
    public static func random() -> ReservationToken {
        var generator = SystemRandomNumberGenerator()
        return ReservationToken((0..<byteCount).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
