import Testing

@testable import NATCapture

/// Capture inputs the libFuzzer harness or the hardening review found trapping.
@Suite struct CaptureFuzzRegressionTests {
    /// A pcapng file whose interface name is 65535 bytes of invalid UTF-8 (0xFF): the reader
    /// repairs it to 196605 bytes of U+FFFD, and `trace --read F.pcapng --write OUT.pcapng`
    /// trapped on the 16-bit option length. The name is now cut to fit, on a scalar boundary.
    @Test func overlongInterfaceNameIsCutWhenWritten() throws {
        var idb: [UInt8] = []
        idb.append16(1)  // Ethernet
        idb.append16(0)
        idb.append32(262_144)
        idb.append16(2)  // if_name
        idb.append16(UInt16.max)
        idb += [UInt8](repeating: 0xFF, count: Int(UInt16.max))
        idb.padTo4()
        idb.append32(0)  // opt_endofopt
        var file: [UInt8] = []
        block(&file, type: 0x0A0D_0D0A, body: [0x1A, 0x2B, 0x3C, 0x4D, 0, 1, 0, 0] + [UInt8](repeating: 0xFF, count: 8))
        block(&file, type: 1, body: idb)

        let read = try CaptureFileReader.parse(file[...], path: "long.pcapng")
        #expect(read.interfaces.first?.name.utf8.count == 3 * Int(UInt16.max))
        let written = try CaptureFileWriter.encode(read, format: .pcapng)
        let again = try CaptureFileReader.parse(written[...], path: "out.pcapng")
        let name = try #require(again.interfaces.first?.name)
        #expect(name.utf8.count == Int(UInt16.max))  // 21845 whole U+FFFD scalars
        #expect(name.unicodeScalars.allSatisfy { $0 == "\u{FFFD}" })
    }

    @Test func shortNamesAreWrittenWhole() {
        #expect(CaptureFileWriter.utf8Prefix("eth0", maxBytes: 4) == Array("eth0".utf8))
        #expect(CaptureFileWriter.utf8Prefix("aé", maxBytes: 2) == [0x61])  // é is 2 bytes: not split
    }

    private func block(_ out: inout [UInt8], type: UInt32, body: [UInt8]) {
        out.append32(type)
        out.append32(UInt32(12 + body.count))
        out += body
        out.append32(UInt32(12 + body.count))
    }
}
