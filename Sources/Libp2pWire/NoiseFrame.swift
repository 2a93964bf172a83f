/// Noise messages on the wire: a 2-byte big-endian length, then the message.
public enum NoiseFrame {
    public static func frame(_ message: [UInt8]) -> [UInt8] { [UInt8(message.count >> 8), UInt8(message.count & 0xFF)] + message }

    public static func parse(_ buffer: [UInt8]) throws(Libp2pDecodeError) -> ([UInt8], Int)? {
        guard buffer.count >= 2 else { return nil }
        let length = Int(buffer[0]) << 8 | Int(buffer[1])
        guard buffer.count >= 2 + length else { return nil }
        return (Array(buffer[2..<(2 + length)]), 2 + length)
    }
}
