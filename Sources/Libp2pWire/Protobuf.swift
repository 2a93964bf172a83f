/// The few protobuf (proto2/proto3 wire format) pieces libp2p's messages need: varint and
/// length-delimited fields, written in field order and read leniently (unknown fields skipped,
/// as protobuf requires), so the messages stay small hand-written codecs.
public struct ProtobufWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func number(_ field: Int, _ value: UInt64) {
        bytes += Varint.encode(UInt64(field << 3))
        bytes += Varint.encode(value)
    }

    public mutating func lengthDelimited(_ field: Int, _ value: [UInt8]) {
        bytes += Varint.encode(UInt64(field << 3 | 2))
        bytes += Varint.encode(UInt64(value.count))
        bytes += value
    }

    public mutating func text(_ field: Int, _ value: String) { lengthDelimited(field, Array(value.utf8)) }

    /// A fixed64 field (wire type 1), little-endian, as AutoNAT v2 sends its nonce.
    public mutating func fixed64(_ field: Int, _ value: UInt64) {
        bytes += Varint.encode(UInt64(field << 3 | 1))
        bytes += withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}

/// One field read from a protobuf message.
public enum ProtobufValue: Equatable {
    case varint(UInt64)
    case bytes([UInt8])
    case fixed64(UInt64)
    case fixed32(UInt32)
}

public enum ProtobufReader {
    /// Every field of `message`, in wire order; throws on a truncated or malformed field.
    public static func fields(_ message: [UInt8], place: String) throws(Libp2pDecodeError) -> [(field: Int, value: ProtobufValue)] {
        var fields: [(Int, ProtobufValue)] = []
        var offset = 0
        while offset < message.count {
            guard let (key, keyLength) = try Varint.decode(message[offset...], place: place) else {
                throw Libp2pDecodeError(place, "truncated field key at byte \(offset)")
            }
            offset += keyLength
            let field = Int(key >> 3)
            guard field > 0, field < 1 << 29 else { throw Libp2pDecodeError(place, "field number \(key >> 3) out of range") }
            switch key & 7 {
            case 0:
                guard let (value, length) = try Varint.decode(message[offset...], place: place) else {
                    throw Libp2pDecodeError(place, "field \(field): truncated varint")
                }
                offset += length
                fields.append((field, .varint(value)))
            case 2:
                guard let (length, lengthLength) = try Varint.decode(message[offset...], place: place) else {
                    throw Libp2pDecodeError(place, "field \(field): truncated length")
                }
                offset += lengthLength
                guard length <= UInt64(message.count - offset) else {
                    throw Libp2pDecodeError(place, "field \(field): \(length) bytes announced, \(message.count - offset) left")
                }
                fields.append((field, .bytes(Array(message[offset..<(offset + Int(length))]))))
                offset += Int(length)
            case 1:
                guard message.count - offset >= 8 else { throw Libp2pDecodeError(place, "field \(field): truncated fixed64") }
                let value = message[offset..<(offset + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                offset += 8
                fields.append((field, .fixed64(value)))
            case 5:
                guard message.count - offset >= 4 else { throw Libp2pDecodeError(place, "field \(field): truncated fixed32") }
                let value = message[offset..<(offset + 4)].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                offset += 4
                fields.append((field, .fixed32(value)))
            default:
                throw Libp2pDecodeError(place, "field \(field): wire type \(key & 7) is not supported")
            }
        }
        return fields
    }
}

extension ProtobufValue {
    /// The field's bytes, or a decode error naming it when it is not length-delimited.
    func bytes(_ place: String) throws(Libp2pDecodeError) -> [UInt8] {
        guard case .bytes(let value) = self else { throw Libp2pDecodeError(place, "expected a length-delimited field") }
        return value
    }

    func string(_ place: String) throws(Libp2pDecodeError) -> String {
        let value = try bytes(place)
        guard let text = String(validating: value, as: UTF8.self) else { throw Libp2pDecodeError(place, "not UTF-8") }
        return text
    }

    func fixed64(_ place: String) throws(Libp2pDecodeError) -> UInt64 {
        guard case .fixed64(let value) = self else { throw Libp2pDecodeError(place, "expected a fixed64 field") }
        return value
    }

    func varint(_ place: String) throws(Libp2pDecodeError) -> UInt64 {
        guard case .varint(let value) = self else { throw Libp2pDecodeError(place, "expected a varint field") }
        return value
    }
}
