import NATWire
import Testing

@testable import NATCapture

/// Link layers, IP, transports and applications, each from bytes built by hand.
@Suite struct PacketDecoderTests {
    let datagram = Craft.udp(Craft.at("10.0.1.2:40000"), Craft.at("203.0.113.1:3478"), Craft.bindingRequest(Craft.id(1)))

    func decode(_ bytes: [UInt8], _ link: CaptureLinkType) -> DecodedPacket {
        PacketDecoder.decode(CapturedFrame(timestampNanos: 0, interface: 0, originalLength: bytes.count, bytes: bytes), number: 1, linkType: link)
    }

    @Test func everyLinkLayerYieldsTheSameDatagram() {
        var vlan = Array(Craft.ethernet(datagram)[0..<12])
        vlan += [0x81, 0x00, 0x00, 0x05, 0x08, 0x00] + datagram
        var sll: [UInt8] = [0, 4, 0, 1, 0, 6] + [UInt8](repeating: 0, count: 8)
        sll.append16(0x0800)
        var sll2: [UInt8] = []
        sll2.append16(0x0800)
        sll2 += [0, 0, 0, 0, 0, 3, 0, 1, 0, 6] + [UInt8](repeating: 0, count: 8)
        let cases: [([UInt8], CaptureLinkType)] = [
            (Craft.ethernet(datagram), .ethernet), (vlan, .ethernet), (sll + datagram, .linuxSLL), (sll2 + datagram, .linuxSLL2),
            (datagram, .raw), ([2, 0, 0, 0] + datagram, .null), ([0, 0, 0, 2] + datagram, .loop), (datagram, .ipv4),
        ]
        for (bytes, link) in cases {
            let packet = decode(bytes, link)
            #expect(packet.udpSource == Craft.at("10.0.1.2:40000"), "\(link)")
            #expect(packet.stun?.transactionID == Craft.id(1), "\(link)")
        }
        #expect(decode(sll + datagram, .linuxSLL).outgoing == true)
        #expect(decode(sll2 + datagram, .linuxSLL2).outgoing == false)
    }

    @Test func ipv6WithAFragmentHeader() {
        let segment = Craft.udpHeader(5000, 3478, [9, 9, 9, 9])
        var fragment: [UInt8] = [17, 0, 0, 1]  // next header UDP, offset 0, more fragments
        fragment.append32(77)
        let packet = decode(Craft.ipv6(Craft.ip("2001:db8:1::2"), Craft.ip("2001:db8::1"), next: 44, fragment + segment), .raw)
        #expect(packet.ip?.fragment?.identification == 77)
        #expect(packet.ip?.fragment?.moreFollow == true)
        #expect(packet.udpDestination == Craft.at("[2001:db8::1]:3478"))
    }

    @Test func laterIPv4FragmentsCarryNoPorts() {
        let packet = decode(Craft.ipv4(Craft.ip("10.0.0.1"), Craft.ip("10.0.0.2"), proto: 17, [1, 2, 3, 4], id: 5, fragmentOffset: 1480), .raw)
        #expect(packet.transport == .fragmentContinuation)
        #expect(packet.ip?.fragment?.offset == 1480)
    }

    @Test func tcpFlags() {
        var tcp: [UInt8] = []
        tcp.append16(40000)
        tcp.append16(443)
        tcp += [UInt8](repeating: 0, count: 9) + [0x12] + [UInt8](repeating: 0, count: 6)
        let packet = decode(Craft.ipv4(Craft.ip("10.0.0.1"), Craft.ip("10.0.0.2"), proto: 6, tcp), .raw)
        #expect(packet.transport == .tcp(TCPSegment(sourcePort: 40000, destinationPort: 443, flags: [.syn, .ack])))
    }

    @Test func icmpErrorsQuoteTheOriginal() {
        let error = decode(Craft.icmpError(from: Craft.ip("10.0.1.1"), type: 3, code: 13, quoting: datagram), .raw)
        let icmp = error.icmp
        #expect(icmp?.kind == .administrativelyProhibited)
        #expect(icmp?.quoted == QuotedDatagram(source: Craft.ip("10.0.1.2"), destination: Craft.ip("203.0.113.1"), protocolNumber: 17, sourcePort: 40000, destinationPort: 3478))
        var v6: [UInt8] = [1, 4, 0, 0, 0, 0, 0, 0]
        let original = Craft.udp(Craft.at("[2001:db8:1::2]:5000"), Craft.at("[2001:db8::1]:3478"), [1])
        v6 += original
        let unreachable = decode(Craft.ipv6(Craft.ip("2001:db8::1"), Craft.ip("2001:db8:1::2"), next: 58, v6), .raw)
        #expect(unreachable.icmp?.kind == .portUnreachable)
        #expect(unreachable.icmp?.quoted?.destinationPort == 3478)
        var tooBig: [UInt8] = [2, 0, 0, 0]
        tooBig.append32(1280)
        let ptb = decode(Craft.ipv6(Craft.ip("2001:db8::ff"), Craft.ip("2001:db8:1::2"), next: 58, tooBig + original), .raw)
        #expect(ptb.icmp?.kind == .fragmentationNeeded)
        #expect(ptb.icmp?.mtu == 1280)
    }

    @Test func applicationMessages() {
        let at = Craft.at("10.0.0.1:1")
        let peer = Craft.at("10.0.0.2:2")
        #expect(decode(Craft.udp(at, peer, Craft.bindingRequest(Craft.id(2), peerCheck: true)), .raw).stun?.isPeerCheck == true)
        #expect(decode(Craft.udp(at, peer, Craft.bindingResponse(Craft.id(2), mapped: at)), .raw).stun?.reflexive == at)
        #expect(decode(Craft.udp(at, peer, ChannelDataHeader.frame(channel: 0x4001, data: [1, 2, 3])), .raw).application == .channelData(channel: 0x4001, length: 3))
        #expect(decode(Craft.udp(at, peer, Craft.wireGuardResponse(sender: 5, receiver: 6)), .raw).wireGuard == WireGuardMessage(kind: .response, sender: 5, receiver: 6))
        var cookie: [UInt8] = [3, 0, 0, 0, 6, 0, 0, 0]
        cookie += [UInt8](repeating: 0, count: 56)
        #expect(decode(Craft.udp(at, peer, cookie), .raw).wireGuard == WireGuardMessage(kind: .cookieReply, receiver: 6))
        // A 148-byte payload that is not WireGuard (reserved bytes set) stays undecoded.
        #expect(decode(Craft.udp(at, peer, [1, 1, 0, 0] + [UInt8](repeating: 0, count: 144)), .raw).application == nil)
    }

    @Test func randomBytesNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<3000 {
            let length = Int.random(in: 0...120, using: &generator)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Half the rounds start with a plausible IPv4 header so deeper layers get exercised.
            if round % 2 == 0, bytes.count > 20 { bytes[0] = 0x45; bytes[9] = [1, 6, 17, 58][round % 4] }
            for link in [CaptureLinkType.ethernet, .raw, .linuxSLL, .linuxSLL2, .null] { _ = decode(bytes, link) }
        }
    }
}
