/// Bounds-checked integer reads over captured bytes: every decoder in NATCapture reads through
/// these, so a truncated or hostile capture yields nil, never a trap.

extension ArraySlice where Element == UInt8 {
    /// The byte `offset` bytes past the slice's start, or nil beyond its end.
    func byte(_ offset: Int) -> UInt8? {
        let index = startIndex + offset
        return offset >= 0 && index < endIndex ? self[index] : nil
    }

    /// A big-endian (network order) 16-bit integer at `offset`.
    func u16(_ offset: Int) -> UInt16? {
        guard let hi = byte(offset), let lo = byte(offset + 1) else { return nil }
        return UInt16(hi) << 8 | UInt16(lo)
    }

    /// A big-endian 32-bit integer at `offset`.
    func u32(_ offset: Int) -> UInt32? {
        guard let hi = u16(offset), let lo = u16(offset + 2) else { return nil }
        return UInt32(hi) << 16 | UInt32(lo)
    }

    /// A 16-bit integer in the given byte order (capture files come in both).
    func u16(_ offset: Int, littleEndian: Bool) -> UInt16? {
        u16(offset).map { littleEndian ? $0.byteSwapped : $0 }
    }

    /// A 32-bit integer in the given byte order.
    func u32(_ offset: Int, littleEndian: Bool) -> UInt32? {
        u32(offset).map { littleEndian ? $0.byteSwapped : $0 }
    }

    /// A 64-bit integer in the given byte order (pcapng statistics).
    func u64(_ offset: Int, littleEndian: Bool) -> UInt64? {
        guard let first = u32(offset), let second = u32(offset + 4) else { return nil }
        let bigEndian = UInt64(first) << 32 | UInt64(second)
        return littleEndian ? bigEndian.byteSwapped : bigEndian
    }

    /// `count` bytes from `offset`, or nil when they are not all there.
    func bytes(_ offset: Int, _ count: Int) -> ArraySlice<UInt8>? {
        guard offset >= 0, count >= 0, offset + count <= self.count else { return nil }
        return self[(startIndex + offset)..<(startIndex + offset + count)]
    }

    /// Everything from `offset` on (empty when `offset` is at or past the end).
    func suffix(fromOffset offset: Int) -> ArraySlice<UInt8> {
        offset >= count ? self[endIndex...] : self[(startIndex + offset)...]
    }
}

/// Little helpers to build capture files and crafted packets.
extension Array where Element == UInt8 {
    mutating func append16(_ value: UInt16, littleEndian: Bool = false) {
        let v = littleEndian ? value.byteSwapped : value
        append(UInt8(v >> 8))
        append(UInt8(v & 0xFF))
    }

    mutating func append32(_ value: UInt32, littleEndian: Bool = false) {
        let v = littleEndian ? value.byteSwapped : value
        append16(UInt16(v >> 16))
        append16(UInt16(v & 0xFFFF))
    }

    mutating func append64(_ value: UInt64) {
        append32(UInt32(value >> 32))
        append32(UInt32(value & 0xFFFF_FFFF))
    }

    /// Zero bytes up to the next multiple of 4 (pcapng blocks and options are 32-bit aligned).
    mutating func padTo4() {
        while count % 4 != 0 { append(0) }
    }
}
