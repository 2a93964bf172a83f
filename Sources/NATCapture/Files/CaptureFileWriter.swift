import Foundation
import NATWire

/// Writes a capture as classic pcap (one link type, microsecond stamps: what every tool opens)
/// or pcapng (several interfaces with their names and addresses, nanosecond stamps, and each
/// interface's drop counts in a statistics block). Both are written in big-endian order,
/// which readers accept from any machine.
public enum CaptureFileWriter {
    public enum Format: String, Sendable, CaseIterable {
        case pcap, pcapng

        /// `.pcapng` files get pcapng; anything else classic pcap.
        public init(path: String) { self = path.lowercased().hasSuffix(".pcapng") ? .pcapng : .pcap }
    }

    public static func write(_ capture: Capture, to path: String, format: Format? = nil) throws(CaptureFileError) {
        let bytes = try encode(capture, format: format ?? Format(path: path), path: path)
        do { try Data(bytes).write(to: URL(fileURLWithPath: path)) } catch {
            throw .unwritable(path: path, reason: (error as NSError).localizedDescription)
        }
    }

    public static func encode(_ capture: Capture, format: Format, path: String = "capture") throws(CaptureFileError) -> [UInt8] {
        switch format {
        case .pcap: try pcap(capture, path: path)
        case .pcapng: pcapng(capture)
        }
    }

    static let snapLength: UInt32 = 262_144

    private static func pcap(_ capture: Capture, path: String) throws(CaptureFileError) -> [UInt8] {
        let links = Set(capture.interfaces.map(\.linkType))
        guard links.count <= 1 else { throw .mixedLinkTypes(path: path) }
        var out: [UInt8] = []
        out.append32(0xA1B2_C3D4)
        out.append16(2)
        out.append16(4)
        out.append32(0)  // thiszone
        out.append32(0)  // sigfigs
        out.append32(snapLength)
        out.append32((links.first ?? .ethernet).rawValue)
        for frame in capture.frames {
            let micros = frame.timestampNanos / 1000
            out.append32(UInt32(truncatingIfNeeded: micros / 1_000_000))
            out.append32(UInt32(truncatingIfNeeded: micros % 1_000_000))
            out.append32(UInt32(frame.bytes.count))
            out.append32(UInt32(frame.originalLength))
            out.append(contentsOf: frame.bytes)
        }
        return out
    }

    private static func pcapng(_ capture: Capture) -> [UInt8] {
        var out: [UInt8] = []
        var header: [UInt8] = []
        header.append32(0x1A2B_3C4D)
        header.append16(1)
        header.append16(0)
        header.append64(UInt64.max)  // section length unknown
        appendOption(&header, code: 4, value: Array("natctl \(PcapLibrary.version)".utf8))  // shb_userappl
        appendEndOfOptions(&header)
        appendBlock(&out, type: 0x0A0D_0D0A, body: header)
        for interface in capture.interfaces {
            var body: [UInt8] = []
            body.append16(UInt16(interface.linkType.rawValue))
            body.append16(0)
            body.append32(snapLength)
            appendOption(&body, code: 2, value: utf8Prefix(interface.name, maxBytes: maximumOptionLength))
            appendOption(&body, code: 9, value: [9])  // if_tsresol: nanoseconds
            if interface.isLocal { appendOption(&body, code: 3, value: Array(CaptureInterface.localDescription.utf8)) }
            for address in interface.addresses {
                // if_IPv4addr is address + netmask, if_IPv6addr address + prefix length; only the
                // address matters here, so the mask is a host mask.
                if address.family == .ipv4 {
                    appendOption(&body, code: 4, value: address.bytes + [255, 255, 255, 255])
                } else {
                    appendOption(&body, code: 5, value: address.bytes + [128])
                }
            }
            appendEndOfOptions(&body)
            appendBlock(&out, type: 1, body: body)
        }
        for frame in capture.frames {
            var body: [UInt8] = []
            body.append32(UInt32(frame.interface))
            body.append64(UInt64(bitPattern: frame.timestampNanos))
            body.append32(UInt32(frame.bytes.count))
            body.append32(UInt32(frame.originalLength))
            body.append(contentsOf: frame.bytes)
            body.padTo4()
            appendBlock(&out, type: 6, body: body)
        }
        let end = UInt64(bitPattern: capture.frames.last?.timestampNanos ?? 0)
        for (index, drops) in capture.drops.enumerated() {
            guard let drops else { continue }
            var body: [UInt8] = []
            body.append32(UInt32(index))
            body.append64(end)
            if let interface = drops.interface { appendOption(&body, code: 5, value: eightBytes(interface)) }
            if let kernel = drops.kernel { appendOption(&body, code: 7, value: eightBytes(kernel)) }
            appendEndOfOptions(&body)
            appendBlock(&out, type: 5, body: body)
        }
        return out
    }

    private static func eightBytes(_ value: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.append64(UInt64(max(value, 0)))
        return bytes
    }

    private static func appendBlock(_ out: inout [UInt8], type: UInt32, body: [UInt8]) {
        let length = UInt32(12 + body.count)
        out.append32(type)
        out.append32(length)
        out.append(contentsOf: body)
        out.append32(length)
    }

    /// An option's length is 16 bits. Names read from another pcapng file can exceed it once
    /// their invalid UTF-8 is repaired (each bad byte becomes 3 bytes of U+FFFD), so text is cut
    /// to this many bytes instead of trapping, and `appendOption` cuts anything longer too.
    static let maximumOptionLength = Int(UInt16.max)

    /// The longest prefix of `text` within `maxBytes` bytes that ends on a Unicode scalar, so a
    /// cut name is still valid UTF-8 and reads back as a prefix of the original.
    static func utf8Prefix(_ text: String, maxBytes: Int) -> [UInt8] {
        guard text.utf8.count > maxBytes else { return Array(text.utf8) }
        var bytes: [UInt8] = []
        for scalar in text.unicodeScalars {
            let encoded = Array(String(scalar).utf8)
            guard bytes.count + encoded.count <= maxBytes else { break }
            bytes += encoded
        }
        return bytes
    }

    private static func appendOption(_ body: inout [UInt8], code: UInt16, value: [UInt8]) {
        let kept = value.prefix(maximumOptionLength)
        body.append16(code)
        body.append16(UInt16(kept.count))
        body.append(contentsOf: kept)
        body.padTo4()
    }

    private static func appendEndOfOptions(_ body: inout [UInt8]) {
        body.append32(0)
    }
}
