import Libp2pWire
import Testing

@testable import NATCore

/// The buffer every libp2p layer parses from: messages of any size behind each other come out
/// whole and in order, whatever window the parser was first shown, and what is left over is kept.
@Suite struct PendingBytesTests {
    @Test func smallAndLargeMessagesComeOutWholeAndInOrder() throws {
        var pending = PendingBytes()
        let small = (0..<2000).map { _ in NoiseFrame.frame([1, 2, 3]) }.flatMap { $0 }
        let large = NoiseFrame.frame([UInt8](repeating: 9, count: 60_000))
        pending.append(small + large + [0x00])  // and the first byte of a next frame
        var messages: [[UInt8]] = []
        while let message = try pending.next(NoiseFrame.parse) { messages.append(message) }
        #expect(messages.count == 2001)
        #expect(messages.prefix(2000).allSatisfy { $0 == [1, 2, 3] } && messages.last?.count == 60_000)
        #expect(pending.takeAll() == [0x00], "an incomplete frame stays buffered")
        #expect(pending.takeAll() == nil)
    }

    @Test func malformedInputIsAnErrorNotATrap() {
        var pending = PendingBytes()
        pending.append([0x00] + [UInt8](repeating: 0xFF, count: 300))
        #expect(throws: Libp2pError.self) { try pending.next(Libp2pDialer.multistreamLine) }
    }
}
