import CPcap
import Foundation
import NATWire
import Testing

@testable import NATCapture

/// pcap and pcapng files: natctl's writer, natctl's reader, and libpcap on either side.
@Suite struct CaptureFileTests {
    func sample() -> Capture {
        var b = Craft.Builder([
            CaptureInterface(name: "host/eth0", linkType: .ethernet, addresses: [Craft.ip("10.0.1.2"), Craft.ip("2001:db8:1::2")], isLocal: true),
            CaptureInterface(name: "router/wan", linkType: .ethernet, addresses: [Craft.ip("203.0.113.11")]),
        ])
        b.add(0, Craft.udp(Craft.at("10.0.1.2:40000"), Craft.at("203.0.113.1:3478"), Craft.bindingRequest(Craft.id(1))), on: 0)
        b.add(0.123457, Craft.udp(Craft.at("203.0.113.11:40000"), Craft.at("203.0.113.1:3478"), Craft.bindingRequest(Craft.id(1))), on: 1)
        var capture = b.capture
        capture.drops = [CaptureDrops(kernel: 3, interface: 1), nil]
        return capture
    }

    func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("natctl-\(UUID().uuidString)-\(name)").path
    }

    @Test func pcapngKeepsInterfacesAddressesDropsAndNanoseconds() throws {
        let original = sample()
        let bytes = try CaptureFileWriter.encode(original, format: .pcapng)
        let read = try CaptureFileReader.parse(bytes[...], path: "x.pcapng")
        #expect(read.interfaces == original.interfaces)
        #expect(read.frames.map(\.bytes) == original.frames.map(\.bytes))
        #expect(read.frames.map(\.timestampNanos) == original.frames.map(\.timestampNanos))
        #expect(read.frames.map(\.interface) == [0, 1])
        #expect(read.drops == [CaptureDrops(kernel: 3, interface: 1), nil])
    }

    @Test func pcapHoldsOneLinkTypeAtMicroseconds() throws {
        var original = sample()
        original.interfaces = [original.interfaces[0]]
        original.frames = original.frames.map { var f = $0; f.interface = 0; return f }
        let read = try CaptureFileReader.parse(try CaptureFileWriter.encode(original, format: .pcap)[...], path: "x.pcap")
        #expect(read.frames.map(\.bytes) == original.frames.map(\.bytes))
        #expect(read.frames.map(\.timestampNanos) == original.frames.map { $0.timestampNanos / 1000 * 1000 })
        #expect(read.interfaces.map(\.linkType) == [.ethernet])
    }

    @Test func pcapRefusesMixedLinkTypes() {
        var capture = sample()
        capture.interfaces[1].linkType = .raw
        #expect(throws: CaptureFileError.mixedLinkTypes(path: "x.pcap")) { try CaptureFileWriter.encode(capture, format: .pcap, path: "x.pcap") }
    }

    @Test func libpcapReadsWhatNatctlWrites() throws {
        for format in CaptureFileWriter.Format.allCases {
            let path = temporary("out.\(format.rawValue)")
            defer { try? FileManager.default.removeItem(atPath: path) }
            var capture = sample()
            if format == .pcap { capture.interfaces.removeLast(); capture.frames.removeLast(); capture.drops.removeLast() }
            try CaptureFileWriter.write(capture, to: path)
            var error = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
            let handle = try #require(pcap_open_offline(path, &error), "libpcap could not open natctl's \(format.rawValue)")
            defer { pcap_close(handle) }
            var header: UnsafeMutablePointer<pcap_pkthdr>?
            var data: UnsafePointer<UInt8>?
            var count = 0
            while pcap_next_ex(handle, &header, &data) == 1 { count += 1 }
            #expect(count == capture.frames.count)
            #expect(pcap_datalink(handle) == DLT_EN10MB)
        }
    }

    @Test func natctlReadsWhatLibpcapWrites() throws {
        let path = temporary("libpcap.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let packet = Craft.udp(Craft.at("10.0.1.2:51820"), Craft.at("203.0.113.12:51820"), Craft.wireGuardInitiation(sender: 7))
        let dead = try #require(pcap_open_dead(DLT_RAW, 65535))
        let dumper = try #require(pcap_dump_open(dead, path))
        var header = pcap_pkthdr()
        header.ts.tv_sec = 1_700_000_000
        header.ts.tv_usec = 250_000
        header.caplen = bpf_u_int32(packet.count)
        header.len = bpf_u_int32(packet.count)
        packet.withUnsafeBufferPointer { natctl_pcap_dump(dumper, &header, $0.baseAddress) }
        pcap_dump_close(dumper)
        pcap_close(dead)
        let read = try CaptureFileReader.read(path: path)
        #expect(read.interfaces.map(\.linkType) == [.raw])
        #expect(read.frames.first?.timestampNanos == 1_700_000_000_250_000_000)
        let decoded = PacketDecoder.decode(read)
        #expect(decoded.first?.wireGuard == WireGuardMessage(kind: .initiation, sender: 7))
    }

    @Test func littleEndianNanosecondPcap() throws {
        var bytes: [UInt8] = []
        bytes.append32(0xA1B2_3C4D, littleEndian: true)
        bytes.append16(2, littleEndian: true)
        bytes.append16(4, littleEndian: true)
        bytes += [UInt8](repeating: 0, count: 8)
        bytes.append32(65535, littleEndian: true)
        bytes.append32(101, littleEndian: true)
        let packet = Craft.udp(Craft.at("10.0.0.1:1"), Craft.at("10.0.0.2:2"), [1, 2, 3])
        bytes.append32(5, littleEndian: true)
        bytes.append32(42, littleEndian: true)
        bytes.append32(UInt32(packet.count), littleEndian: true)
        bytes.append32(UInt32(packet.count), littleEndian: true)
        bytes += packet
        let read = try CaptureFileReader.parse(bytes[...], path: "le.pcap")
        #expect(read.frames.first?.timestampNanos == 5_000_000_042)
        #expect(PacketDecoder.decode(read).first?.udpPayload == [1, 2, 3])
    }

    @Test func hostileTimestampsAndCountersAreClampedNotTrapped() throws {
        var capture = sample()
        capture.frames[0].timestampNanos = .min  // ticks 0x8000000000000000 on the wire
        capture.frames[1].timestampNanos = 1_000_000_000_000_000_000
        capture.drops = [CaptureDrops(kernel: .max, interface: .max), CaptureDrops(kernel: .max, interface: nil)]
        let read = try CaptureFileReader.parse(try CaptureFileWriter.encode(capture, format: .pcapng)[...], path: "x.pcapng")
        #expect(read.frames.allSatisfy { $0.timestampNanos >= 0 && $0.timestampNanos <= 1 << 62 })
        let report = TraceAnalyzer.report(read, source: "x.pcapng")
        #expect(report.kernelDrops ?? 0 > 0)
        #expect(report.timeline.count == 2)
    }

    @Test func damagedFilesAreErrorsNotCrashes() throws {
        let good = try CaptureFileWriter.encode(sample(), format: .pcapng)
        #expect(throws: CaptureFileError.notACapture(path: "f")) { try CaptureFileReader.parse([1, 2, 3, 4, 5][...], path: "f") }
        #expect(throws: CaptureFileError.notACapture(path: "f")) { try CaptureFileReader.parse([][...], path: "f") }
        // Every truncation of a valid file either parses a prefix or throws; none traps.
        for length in stride(from: 0, to: good.count, by: 7) {
            _ = try? CaptureFileReader.parse(good.prefix(length), path: "f")
        }
        #expect(throws: CaptureFileError.self) { try CaptureFileReader.parse(good.prefix(good.count - 5), path: "f") }
        #expect(throws: CaptureFileError.unreadable(path: "/nonexistent/x.pcap", reason: "no such file")) {
            try CaptureFileReader.read(path: "/nonexistent/x.pcap")
        }
    }
}
