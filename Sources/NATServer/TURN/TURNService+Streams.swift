import NATWire
import NIOCore

/// TURN over TCP and TLS (RFC 8656 §3.1), on the relay thread that owns the connection's
/// allocation: requests and ChannelData come framed from `StreamRouter`; answers and peers'
/// datagrams go back down the connection (ChannelData padded to 4 bytes, §12.5). The relayed
/// side is the same UDP socket a UDP client gets.
extension TURNService {
    /// One message from a stream client.
    func handleStream(_ frame: ByteBuffer, from client: StreamClient) {
        let relayed = frame.withUnsafeReadableBytes { bytes -> Bool in
            guard let first = bytes.first else { return true }
            if ChannelDataHeader.isChannelData(firstByte: first) {
                relayStreamChannelData(bytes, from: client)
                return true
            }
            if let indication = SendIndicationView(bytes) {
                relayStreamSendIndication(indication, in: bytes, from: client)
                return true
            }
            return false
        }
        guard !relayed else { return }
        let link = ClientLink.stream(client)
        do {
            handle(try STUNMessage(decoding: frame.readableBytesView), from: client.remote, link: link)
        } catch {
            rejectMalformed(frame, error, link: link)
        }
    }

    /// The connection closed: so does its allocation.
    func streamClosed(_ client: StreamClient) {
        guard let allocation = allocations[client.key] else { return }
        close(allocation, reason: "connection closed")
    }

    private func relayStreamChannelData(_ bytes: UnsafeRawBufferPointer, from client: StreamClient) {
        guard bytes.count >= ChannelDataHeader.length, let allocation = allocations[client.key],
            let header = ChannelDataHeader.parse(bytes[0], bytes[1], bytes[2], bytes[3], datagramLength: bytes.count)
        else { return }
        guard let peer = allocation.channelTarget(header.channel, now: .now()) else {
            allocation.counters.droppedToPeers += 1
            return
        }
        let length = Int(header.dataLength)
        allocation.counters.packetsToPeers += 1
        allocation.counters.bytesToPeers += length
        allocation.relaySocket.send(UnsafeRawBufferPointer(rebasing: bytes[ChannelDataHeader.length..<(ChannelDataHeader.length + length)]), to: peer)
    }

    private func relayStreamSendIndication(_ indication: SendIndicationView, in bytes: UnsafeRawBufferPointer, from client: StreamClient) {
        guard let allocation = allocations[client.key] else { return }
        let route = allocation.route(indication.peer)
        guard route.permittedUntil > .now(), mayReach(route.peer) else {
            allocation.counters.droppedToPeers += 1
            return
        }
        allocation.counters.packetsToPeers += 1
        allocation.counters.bytesToPeers += indication.dataLength
        let range = indication.dataOffset..<(indication.dataOffset + indication.dataLength)
        allocation.relaySocket.send(UnsafeRawBufferPointer(rebasing: bytes[range]), to: indication.peer)
    }

    /// A peer's datagram to a stream client, already counted and permitted: as padded
    /// ChannelData when the peer has a channel, else as a Data indication, its header written
    /// into the read slot's headroom as for UDP clients. Dropped when the connection's send
    /// queue is full (`StreamClient.relay`).
    func relayToStream(
        _ bytes: UnsafeMutableRawBufferPointer, from source: RawSocketAddress, route: TURNAllocation.PeerRoute, stream: StreamClient,
        now: NIODeadline
    ) {
        let frame: UnsafeRawBufferPointer
        if let number = route.channel, route.channelUntil > now, bytes.count <= Int(UInt16.max) {
            let start = bytes.baseAddress! - ChannelDataHeader.length  // DatagramReadBatch.headroom
            start.storeBytes(of: number.bigEndian, as: UInt16.self)
            (start + 2).storeBytes(of: UInt16(bytes.count).bigEndian, as: UInt16.self)
            frame = UnsafeRawBufferPointer(start: start, count: ChannelDataHeader.length + bytes.count)
        } else if bytes.count <= Int(UInt16.max) - DataIndicationHeader.maximumLength {
            indicationCount &+= 1
            let length = DataIndicationHeader.write(
                before: bytes.baseAddress!, dataLength: bytes.count, peer: source, transaction: (indicationCount, indicationSalt))
            frame = UnsafeRawBufferPointer(start: bytes.baseAddress! - length, count: length + bytes.count)
        } else {
            return
        }
        var buffer = ByteBufferAllocator().buffer(capacity: frame.count + 3)
        buffer.writeBytes(frame)
        buffer.writeRepeatingByte(0, count: (4 - frame.count % 4) % 4)
        _ = stream.relay(buffer)
    }
}
