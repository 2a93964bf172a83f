import FuzzSupport
import NATCapture
import NATWire

/// libFuzzer harness for ChannelData (RFC 8656 §12.4): the header parse as natctl's TURN client
/// and relay use it (on a view that does not start at index 0, like a ByteBuffer's), the frame
/// round trip, and the STUN / ChannelData / WireGuard demultiplexing that `natctl trace` runs on
/// every UDP payload.
FuzzDriver.main { data in
    let payload = Array(data)
    ChannelDataChecks.parse(payload)
    ChannelDataChecks.demultiplex(payload)
}

enum ChannelDataChecks {
    /// Parses as `TURNClient.decode` and `TURNService.relayChannelData` do, then checks what
    /// they rely on: the data range lies inside the datagram, and framing it again gives the
    /// same header.
    static func parse(_ payload: [UInt8]) {
        let buffer = [0xEE] + payload  // a view with a non-zero start index
        let view = buffer[1...]
        let s = view.startIndex
        guard view.count >= ChannelDataHeader.length,
            let header = ChannelDataHeader.parse(view[s], view[s + 1], view[s + 2], view[s + 3], datagramLength: view.count)
        else { return }
        fuzzRequire(ChannelNumber.acceptedRange.contains(header.channel), "accepted channel \(header.channel)")
        let end = s + ChannelDataHeader.length + Int(header.dataLength)
        fuzzRequire(end <= view.endIndex, "data length \(header.dataLength) runs past a \(view.count)-byte datagram")
        let data = view[(s + ChannelDataHeader.length)..<end]
        let framed = ChannelDataHeader.frame(channel: header.channel, data: data)
        fuzzRequire(Array(view.prefix(framed.count)) == framed, "re-framed ChannelData differs")
        fuzzRequire(header.bytes == Array(view.prefix(4)), "header bytes differ")
        // The first two bits tell STUN (00) from ChannelData (01) (RFC 7983); both cannot hold.
        fuzzRequire(!STUNMessage.looksLikeSTUN(view, requireCookie: false), "ChannelData also looks like STUN")
    }

    /// Wraps the payload in an IPv4/UDP packet and decodes it as a capture would.
    static func demultiplex(_ payload: [UInt8]) {
        let udp = Array(payload.prefix(65_507))
        let frame = CapturedFrame(timestampNanos: 0, interface: 0, originalLength: 28 + udp.count, bytes: ipv4UDP(udp))
        let packet = PacketDecoder.decode(frame, number: 1, linkType: .raw)
        fuzzRequire(packet.udpPayload == udp, "UDP payload of \(udp.count) bytes did not survive decoding")
        if case .channelData(let channel, let length)? = packet.application {
            fuzzRequire(ChannelNumber.acceptedRange.contains(channel), "trace accepted channel \(channel)")
            fuzzRequire(ChannelDataHeader.length + length <= udp.count, "trace ChannelData length \(length) past \(udp.count) bytes")
        }
        _ = packet.stun?.title
        _ = packet.wireGuard?.title
    }

    /// 192.0.2.1:3478 → 198.51.100.2:50000, no options, checksums left zero (nothing checks them).
    static func ipv4UDP(_ payload: [UInt8]) -> [UInt8] {
        let total = 28 + payload.count
        var packet: [UInt8] = [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 0, 0x40, 0, 64, 17, 0, 0, 192, 0, 2, 1, 198, 51, 100, 2]
        let udpLength = 8 + payload.count
        packet += [0x0D, 0x96, 0xC3, 0x50, UInt8(udpLength >> 8), UInt8(udpLength & 0xFF), 0, 0]
        return packet + payload
    }
}
