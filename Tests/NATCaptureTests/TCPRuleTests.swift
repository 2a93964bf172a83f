import Libp2pWire
import NATWire
import Testing

@testable import NATCapture

/// The TCP and libp2p rules on crafted captures: a refused dial, an unanswered one, a
/// simultaneous open, and a libp2p connection's multistream-select and Noise handshake.
@Suite struct TCPRuleTests {
    let host = Craft.at("10.0.1.2:40000")
    let node = Craft.at("203.0.113.40:4001")

    @Test func aDialAnsweredWithRSTIsRefused() {
        var b = Craft.Builder()
        b.add(0, Craft.tcp(host, node, .syn))
        b.add(1, Craft.tcp(node, host, [.rst, .ack], sequence: 0))
        let finding = b.findings(locals: ["10.0.1.2"]).first { $0.kind == .tcpRefused }
        #expect(finding?.sentence.contains("got RST for its SYN") == true, "\(String(describing: finding))")
        #expect(finding?.by == "203.0.113.40" && finding?.remote == "203.0.113.40:4001")
    }

    @Test func synsWithoutAnswerAreDroppedOnTheWay() {
        var b = Craft.Builder()
        for ms in [0.0, 1000, 3000] { b.add(ms, Craft.tcp(host, node, .syn)) }
        let finding = b.findings(locals: ["10.0.1.2"]).first { $0.kind == .tcpNoAnswer }
        #expect(finding?.sentence.contains("3 SYNs from 10.0.1.2:40000 to 203.0.113.40:4001 got no answer in 3.0 s") == true, "\(String(describing: finding))")
        #expect(finding?.frames == [1, 2, 3])
    }

    @Test func aSYNThisHostRefusedNamesThisHost() {
        var b = Craft.Builder()
        b.add(0, Craft.tcp(node, host, .syn))
        b.add(1, Craft.tcp(host, node, [.rst, .ack], sequence: 0))
        let finding = b.findings(locals: ["10.0.1.2"]).first { $0.kind == .tcpRefused }
        #expect(finding?.sentence.contains("reached this host's port 40000, and this host answered RST") == true, "\(String(describing: finding))")
    }

    @Test func crossingSYNsAreASimultaneousOpen() {
        var b = Craft.Builder()
        b.add(0, Craft.tcp(host, node, .syn, sequence: 10))
        b.add(5, Craft.tcp(node, host, .syn, sequence: 20))
        b.add(6, Craft.tcp(host, node, [.syn, .ack], sequence: 10))
        let finding = b.findings(locals: ["10.0.1.2"]).first { $0.kind == .tcpSimultaneousOpen }
        #expect(finding?.severity == .info && finding?.sentence.contains("the connection was made") == true, "\(String(describing: finding))")
        var lone = Craft.Builder()
        lone.add(0, Craft.tcp(host, node, .syn, sequence: 10))
        lone.add(5, Craft.tcp(node, host, .syn, sequence: 20))
        #expect(lone.findings(locals: ["10.0.1.2"]).first { $0.kind == .tcpSimultaneousOpen }?.severity == .problem)
    }

    /// The dialer's pipelined lines, the listener's echo, then the three handshake messages
    /// (one split over two segments, one retransmitted) and an encrypted frame.
    @Test func aLibp2pConnectionIsReadUpToItsNoiseHandshake() throws {
        var b = Craft.Builder()
        var dialerSequence: UInt32 = 101
        var listenerSequence: UInt32 = 501
        func fromDialer(_ ms: Double, _ bytes: [UInt8]) {
            b.add(ms, Craft.tcp(host, node, [.psh, .ack], sequence: dialerSequence, bytes))
            dialerSequence &+= UInt32(bytes.count)
        }
        func fromListener(_ ms: Double, _ bytes: [UInt8]) {
            b.add(ms, Craft.tcp(node, host, [.psh, .ack], sequence: listenerSequence, bytes))
            listenerSequence &+= UInt32(bytes.count)
        }
        b.add(0, Craft.tcp(host, node, .syn, sequence: 100))
        b.add(1, Craft.tcp(node, host, [.syn, .ack], sequence: 500))
        let lines = Multistream.message(Multistream.header) + Multistream.message("/noise")
        fromDialer(2, lines)
        fromListener(3, lines)
        let first = NoiseFrame.frame([UInt8](repeating: 1, count: 32))
        fromDialer(4, first)
        b.add(4.5, Craft.tcp(host, node, [.psh, .ack], sequence: dialerSequence - UInt32(first.count), first))  // retransmitted
        let second = NoiseFrame.frame([UInt8](repeating: 2, count: 200))
        fromListener(5, Array(second.prefix(50)))
        fromListener(6, Array(second.dropFirst(50)))
        fromDialer(7, NoiseFrame.frame([UInt8](repeating: 3, count: 150)) + NoiseFrame.frame([UInt8](repeating: 4, count: 40)))
        let report = TraceAnalyzer.report(b.capture, locals: [Craft.ip("10.0.1.2")], source: "crafted")
        let finding = report.findings.first { $0.kind == .libp2pConnection }
        #expect(finding?.severity == .info && finding?.sentence.contains("completed the Noise XX handshake (3 messages)") == true, "\(String(describing: finding))")
        let summaries = report.timeline.map(\.summary)
        #expect(summaries.contains { $0.hasSuffix(": multistream-select /multistream/1.0.0, /noise") }, "\(summaries)")
        #expect(summaries.contains { $0.contains("Noise handshake message 1 of 3 (e, 32 bytes)") })
        #expect(summaries.contains { $0.contains("Noise handshake message 2 of 3") && $0.contains("200 bytes") })
        #expect(summaries.contains { $0.contains("Noise handshake message 3 of 3") && $0.contains("Noise transport, 1 frame (encrypted)") })
        #expect(summaries.filter { $0.contains("message 1 of 3") }.count == 1, "the retransmission is not read twice")
    }

    @Test func aListenerThatAnswersNAIsAProblem() {
        var b = Craft.Builder()
        b.add(0, Craft.tcp(host, node, .syn, sequence: 100))
        b.add(1, Craft.tcp(node, host, [.syn, .ack], sequence: 500))
        b.add(2, Craft.tcp(host, node, [.psh, .ack], sequence: 101, Multistream.message(Multistream.header) + Multistream.message("/noise")))
        b.add(3, Craft.tcp(node, host, [.psh, .ack], sequence: 501, Multistream.message(Multistream.header) + Multistream.message("na")))
        let finding = b.findings(locals: ["10.0.1.2"]).first { $0.kind == .libp2pConnection }
        #expect(finding?.severity == .problem && finding?.sentence.contains("answered na") == true, "\(String(describing: finding))")
    }
}
