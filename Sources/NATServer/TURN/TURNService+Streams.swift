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

    /// A peer's datagram to a stream client, permitted and framed (`frameForClient`), padded
    /// with zeros to 4 bytes. False when the connection's send queue is full and the datagram
    /// was dropped (`StreamClient.relay`).
    func relayToStream(_ frame: UnsafeRawBufferPointer, stream: StreamClient) -> Bool {
        var buffer = ByteBufferAllocator().buffer(capacity: frame.count + 3)
        buffer.writeBytes(frame)
        buffer.writeRepeatingByte(0, count: (4 - frame.count % 4) % 4)
        return stream.relay(buffer)
    }
}
