/// Unsigned varints (multiformats unsigned-varint, protobuf's base-128): 7 bits a byte, low
/// group first, high bit set on every byte but the last. libp2p caps them at 9 bytes (63 bits).
public enum Varint {
    public static let maximumLength = 9

    public static func encode(_ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
        return bytes
    }

    /// Decodes the varint at the start of `bytes`: its value and length; nil when `bytes` ends
    /// before it does (read more). Throws on a varint longer than 9 bytes or not minimally encoded.
    public static func decode<C: Collection<UInt8>>(_ bytes: C, place: String) throws(Libp2pDecodeError) -> (value: UInt64, length: Int)? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var length = 0
        for byte in bytes {
            length += 1
            guard length <= maximumLength else { throw Libp2pDecodeError(place, "varint longer than \(maximumLength) bytes") }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                if byte == 0 && length > 1 { throw Libp2pDecodeError(place, "varint not minimally encoded") }
                return (value, length)
            }
            shift += 7
        }
        return nil
    }
}
