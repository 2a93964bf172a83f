import Foundation
import NATWire

/// Reads classic pcap (either byte order, micro- or nanosecond stamps) and pcapng (section
/// header, interface description, enhanced and simple packet, interface statistics blocks).
/// natctl parses the files itself rather than through libpcap because pcapng's per-packet
/// interface and the interfaces' addresses are what the explanations need, and libpcap drops both.
public enum CaptureFileReader {
    public static func read(path: String) throws(CaptureFileError) -> Capture {
        let data: Data
        guard FileManager.default.fileExists(atPath: path) else { throw .unreadable(path: path, reason: "no such file") }
        guard FileManager.default.isReadableFile(atPath: path) else { throw .unreadable(path: path, reason: "permission denied") }
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        return try parse([UInt8](data)[...], path: path)
    }

    public static func parse(_ bytes: ArraySlice<UInt8>, path: String) throws(CaptureFileError) -> Capture {
        guard let magic = bytes.u32(0) else { throw .notACapture(path: path) }
        switch magic {
        case 0xA1B2_C3D4, 0xA1B2_3C4D, 0xD4C3_B2A1, 0x4D3C_B2A1: return try parsePcap(bytes, path: path)
        case 0x0A0D_0D0A: return try parsePcapng(bytes, path: path)
        default: throw .notACapture(path: path)
        }
    }

    // MARK: pcap

    private static func parsePcap(_ bytes: ArraySlice<UInt8>, path: String) throws(CaptureFileError) -> Capture {
        guard let magic = bytes.u32(0), bytes.count >= 24 else { throw .truncated(path: path, offset: 0, what: "the file header") }
        let little = magic == 0xD4C3_B2A1 || magic == 0x4D3C_B2A1
        let nanos = magic == 0xA1B2_3C4D || magic == 0x4D3C_B2A1
        guard let rawLink = bytes.u32(20, littleEndian: little) else { throw .truncated(path: path, offset: 20, what: "the file header") }
        // The upper 16 bits of the link-type field carry FCS flags (libpcap's LT_LINKTYPE mask).
        let linkValue = rawLink & 0xFFFF
        guard let link = CaptureLinkType(rawValue: linkValue) else { throw .unsupportedLinkType(path: path, linkType: linkValue) }
        var frames: [CapturedFrame] = []
        var offset = 24
        while offset < bytes.count {
            guard let seconds = bytes.u32(offset, littleEndian: little), let fraction = bytes.u32(offset + 4, littleEndian: little),
                let captured = bytes.u32(offset + 8, littleEndian: little), let original = bytes.u32(offset + 12, littleEndian: little),
                let body = bytes.bytes(offset + 16, Int(captured))
            else { throw .truncated(path: path, offset: offset, what: "packet record \(frames.count + 1)") }
            let stamp = Int64(seconds) * 1_000_000_000 + Int64(min(fraction, 999_999_999)) * (nanos ? 1 : 1000)
            frames.append(CapturedFrame(timestampNanos: stamp, interface: 0, originalLength: Int(original), bytes: Array(body)))
            offset += 16 + Int(captured)
        }
        let name = URL(fileURLWithPath: path).lastPathComponent
        return Capture(interfaces: [CaptureInterface(name: name, linkType: link)], frames: frames)
    }

    // MARK: pcapng

    private struct Section {
        var little = false
        /// Index in the capture's interface list of this section's interface 0.
        var firstInterface = 0
        /// Per interface of this section: ticks per second of its timestamps.
        var ticksPerSecond: [Int64] = []
    }

    private static func parsePcapng(_ bytes: ArraySlice<UInt8>, path: String) throws(CaptureFileError) -> Capture {
        var interfaces: [CaptureInterface] = []
        var drops: [CaptureDrops?] = []
        var frames: [CapturedFrame] = []
        var section = Section()
        var offset = 0
        while offset < bytes.count {
            // The section header's byte-order magic decides how everything after it is read.
            if bytes.u32(offset) == 0x0A0D_0D0A {
                guard let order = bytes.u32(offset + 8) else { throw .truncated(path: path, offset: offset, what: "a section header") }
                guard order == 0x1A2B_3C4D || order == 0x4D3C_2B1A else { throw .notACapture(path: path) }
                section = Section(little: order == 0x4D3C_2B1A, firstInterface: interfaces.count)
            }
            guard let type = bytes.u32(offset, littleEndian: section.little), let length = bytes.u32(offset + 4, littleEndian: section.little),
                length >= 12, length % 4 == 0, let block = bytes.bytes(offset, Int(length))
            else { throw .truncated(path: path, offset: offset, what: "a block header") }
            let body = block.dropFirst(8).dropLast(4)
            switch type {
            case 1:
                guard let interface = interfaceBlock(body, section: &section, path: path) else {
                    throw .truncated(path: path, offset: offset, what: "an interface description block")
                }
                guard let link = interface.link else { throw .unsupportedLinkType(path: path, linkType: interface.rawLink) }
                interfaces.append(CaptureInterface(name: interface.name ?? "interface \(interfaces.count)", linkType: link, addresses: interface.addresses, isLocal: interface.isLocal))
                drops.append(nil)
            case 6, 3:
                guard let frame = packetBlock(type: type, body, section: section) else {
                    throw .truncated(path: path, offset: offset, what: "packet block \(frames.count + 1)")
                }
                guard frame.interface < interfaces.count else { throw .truncated(path: path, offset: offset, what: "packet block naming a missing interface") }
                frames.append(frame)
            case 5:
                if let (index, counted) = statisticsBlock(body, section: section), index < drops.count { drops[index] = counted }
            default:
                break  // Name resolution, custom and other blocks carry nothing the explanations use.
            }
            offset += Int(length)
        }
        return Capture(interfaces: interfaces, frames: frames, drops: drops)
    }

    private struct InterfaceBlock {
        var rawLink: UInt32
        var link: CaptureLinkType?
        var name: String?
        var isLocal = false
        var addresses: [IPAddress] = []
    }

    private static func interfaceBlock(_ body: ArraySlice<UInt8>, section: inout Section, path: String) -> InterfaceBlock? {
        guard let rawLink = body.u16(0, littleEndian: section.little) else { return nil }
        var block = InterfaceBlock(rawLink: UInt32(rawLink), link: CaptureLinkType(rawValue: UInt32(rawLink)))
        var ticks: Int64 = 1_000_000
        for (code, value) in options(body.suffix(fromOffset: 8), little: section.little) {
            switch code {
            case 2: block.name = String(decoding: value.prefix { $0 != 0 }, as: UTF8.self)
            case 3: block.isLocal = value.elementsEqual(CaptureInterface.localDescription.utf8)
            case 4: if let ip = IPAddress(bytes: value.prefix(4)) { block.addresses.append(ip) }
            case 5: if let ip = IPAddress(bytes: value.prefix(16)) { block.addresses.append(ip) }
            case 9:
                // if_tsresol: a negative power of 10, or of 2 when the top bit is set.
                if let resolution = value.first {
                    // Beyond 10^18 or 2^62 ticks per second a tick count no longer fits; keep the default.
                    let exponent = Int64(resolution & 0x7F)
                    if resolution & 0x80 != 0, exponent <= 62 { ticks = Int64(1) << exponent }
                    if resolution & 0x80 == 0, exponent <= 18 { ticks = (0..<exponent).reduce(Int64(1)) { acc, _ in acc * 10 } }
                }
            default: break
            }
        }
        section.ticksPerSecond.append(max(ticks, 1))
        return block
    }

    private static func packetBlock(type: UInt32, _ body: ArraySlice<UInt8>, section: Section) -> CapturedFrame? {
        let little = section.little
        if type == 3 {  // Simple packet block: interface 0, no timestamp.
            guard let original = body.u32(0, littleEndian: little) else { return nil }
            let data = body.suffix(fromOffset: 4).prefix(Int(original))
            return CapturedFrame(timestampNanos: 0, interface: section.firstInterface, originalLength: Int(original), bytes: Array(data))
        }
        guard let interface = body.u32(0, littleEndian: little), let high = body.u32(4, littleEndian: little),
            let low = body.u32(8, littleEndian: little), let captured = body.u32(12, littleEndian: little),
            let original = body.u32(16, littleEndian: little), let data = body.bytes(20, Int(captured)),
            Int(interface) < section.ticksPerSecond.count
        else { return nil }
        let ticks = UInt64(high) << 32 | UInt64(low)
        let perSecond = UInt64(section.ticksPerSecond[Int(interface)])
        // 128-bit intermediate: ticks × 10^9 overflows 64 bits at fine resolutions.
        let product = ticks.multipliedFullWidth(by: 1_000_000_000)
        let nanos = perSecond > product.high ? perSecond.dividingFullWidth(product).quotient : UInt64.max
        return CapturedFrame(
            timestampNanos: Int64(min(nanos, Self.latestNanos)), interface: section.firstInterface + Int(interface),
            originalLength: Int(original), bytes: Array(data))
    }

    /// Stamps are clamped to 2^62 ns (year 2116), so differences between them never overflow.
    static let latestNanos: UInt64 = 1 << 62

    private static func statisticsBlock(_ body: ArraySlice<UInt8>, section: Section) -> (Int, CaptureDrops)? {
        guard let interface = body.u32(0, littleEndian: section.little) else { return nil }
        var drops = CaptureDrops(kernel: nil, interface: nil)
        for (code, value) in options(body.suffix(fromOffset: 12), little: section.little) where value.count == 8 {
            // Counters are clamped so sums over interfaces cannot overflow.
            let count = Int(min(value.u64(0, littleEndian: section.little) ?? 0, 1 << 48))
            // isb_osdrop (7) counts the capture buffer's drops; isb_ifdrop (5) the interface's, but
            // dumpcap writes libpcap's buffer drops there and no isb_osdrop, so it stands in for both.
            if code == 5 { drops.interface = count }
            if code == 7 { drops.kernel = count }
        }
        if drops.kernel == nil { drops.kernel = drops.interface }
        return (section.firstInterface + Int(interface), drops)
    }

    /// A block's options as (code, value) pairs, up to opt_endofopt or the end of the block.
    private static func options(_ bytes: ArraySlice<UInt8>, little: Bool) -> [(UInt16, ArraySlice<UInt8>)] {
        var found: [(UInt16, ArraySlice<UInt8>)] = []
        var offset = 0
        while let code = bytes.u16(offset, littleEndian: little), let length = bytes.u16(offset + 2, littleEndian: little), code != 0 {
            guard let value = bytes.bytes(offset + 4, Int(length)) else { break }
            found.append((code, value))
            offset += 4 + (Int(length) + 3) / 4 * 4
        }
        return found
    }
}
