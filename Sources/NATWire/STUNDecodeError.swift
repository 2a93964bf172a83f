/// Why a datagram could not be decoded as STUN, and where.
///
/// Every decoder in NATWire throws this instead of trapping: `place` names the message part
/// (`"header"`, `"attribute XOR-MAPPED-ADDRESS at offset 28"`, `"attribute ERROR-CODE, field reason"`)
/// and `reason` says what was wrong with it, quoting the offending value.
public struct STUNDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The message part that failed to decode.
    public var place: String
    /// What was wrong there, as a lowercase fragment.
    public var reason: String

    public init(place: String, reason: String) {
        self.place = place
        self.reason = reason
    }

    public var description: String { "malformed STUN \(place): \(reason)" }

    /// Prefixes the place, so nested decoders can report the full path.
    func within(_ outer: String) -> STUNDecodeError {
        STUNDecodeError(place: "\(outer), \(place)", reason: reason)
    }
}

/// A bounds-checked cursor over bytes; every read names the field it was reading when it fails.
struct ByteReader {
    private let bytes: ArraySlice<UInt8>
    private(set) var index: Int
    let place: String

    init(_ bytes: ArraySlice<UInt8>, place: String) {
        self.bytes = bytes
        self.index = bytes.startIndex
        self.place = place
    }

    var remaining: Int { bytes.endIndex - index }

    mutating func readUInt8(_ field: String) throws(STUNDecodeError) -> UInt8 {
        try need(1, field)
        defer { index += 1 }
        return bytes[index]
    }

    mutating func readUInt16(_ field: String) throws(STUNDecodeError) -> UInt16 {
        try need(2, field)
        defer { index += 2 }
        return UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
    }

    mutating func readUInt32(_ field: String) throws(STUNDecodeError) -> UInt32 {
        try need(4, field)
        defer { index += 4 }
        return bytes[index..<index + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// One byte that must be a known code of `T` (a kind, status, transport); the error says
    /// which values are accepted, e.g. "is neither TCP (6) nor UDP (17)".
    mutating func readCode<T: RawRepresentable>(_ field: String, accepted: String) throws(STUNDecodeError) -> T where T.RawValue == UInt8 {
        let raw = try readUInt8(field)
        guard let code = T(rawValue: raw) else { throw STUNDecodeError(place: "field \(field)", reason: "\(raw) \(accepted)") }
        return code
    }

    mutating func readBytes(_ count: Int, _ field: String) throws(STUNDecodeError) -> ArraySlice<UInt8> {
        try need(count, field)
        defer { index += count }
        return bytes[index..<index + count]
    }

    private func need(_ count: Int, _ field: String) throws(STUNDecodeError) {
        guard remaining >= count else {
            throw STUNDecodeError(
                place: "\(place), field \(field)",
                reason: "needs \(count) bytes but only \(remaining) remain")
        }
    }
}

extension Array where Element == UInt8 {
    mutating func appendUInt16(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }

    mutating func appendUInt32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }
}

/// A value of exactly `count` bytes, or a decode error saying how many it had.
func requireLength(_ value: ArraySlice<UInt8>, _ count: Int) throws(STUNDecodeError) {
    guard value.count == count else { throw STUNDecodeError(place: "value", reason: "is \(value.count) bytes, not \(count)") }
}
