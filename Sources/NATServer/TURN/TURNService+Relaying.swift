import NATWire
import NIOCore

/// The relay's data path: ChannelData and Send indications from clients to peers, datagrams
/// from peers back to clients, and the once-per-burst flush. Runs on the service's event loop.
extension TURNService {
    /// A ChannelData datagram from a client: forward its data to the bound peer.
    func relayChannelData(_ buffer: ByteBuffer, from client: SocketAddress) {
        let view = buffer.readableBytesView
        let start = view.startIndex
        guard view.count >= ChannelDataHeader.length, let allocation = allocationsBySocket[client],
            let header = ChannelDataHeader.parse(view[start], view[start + 1], view[start + 2], view[start + 3], datagramLength: view.count)
        else { return }
        let now = NIODeadline.now()
        guard let binding = allocation.channel(header.channel, now: now) else {
            allocation.counters.droppedToPeers += 1
            return
        }
        let payload = buffer.getSlice(at: buffer.readerIndex + ChannelDataHeader.length, length: Int(header.dataLength))!
        send(payload, to: binding.peerSocket, through: allocation)
    }

    func send(_ payload: ByteBuffer, to peer: SocketAddress, through allocation: TURNAllocation) {
        allocation.counters.packetsToPeers += 1
        allocation.counters.bytesToPeers += payload.readableBytes
        allocation.relayChannel.write(AddressedEnvelope(remoteAddress: peer, data: payload), promise: nil)
        needsFlush[ObjectIdentifier(allocation.relayChannel)] = allocation.relayChannel
    }

    /// A datagram from a peer to a relayed address: to the client, as ChannelData when the peer
    /// has a channel, else as a Data indication; dropped without a permission (§11.3, §12.6).
    func relayFromPeer(_ envelope: AddressedEnvelope<ByteBuffer>, allocation: TURNAllocation) {
        guard let route = allocation.route(envelope.remoteAddress) else { return }
        let peer = route.peer
        let now = NIODeadline.now()
        guard allocation.hasPermission(peer.ip, now: now), let listener else {
            allocation.counters.droppedFromPeers += 1
            return
        }
        var data = envelope.data
        allocation.counters.packetsFromPeers += 1
        allocation.counters.bytesFromPeers += data.readableBytes
        let out: ByteBuffer
        if let number = route.channel, let binding = allocation.channel(number, now: now), binding.peer == peer {
            var framed = listener.allocator.buffer(capacity: ChannelDataHeader.length + data.readableBytes)
            framed.writeInteger(number)
            framed.writeInteger(UInt16(data.readableBytes))
            framed.writeBuffer(&data)
            out = framed
        } else {
            var indication = STUNMessage(type: STUNMessageType(method: .data, messageClass: .indication))
            indication.append(XORPeerAddress(peer))
            indication.append(DataValue(Array(data.readableBytesView)))
            out = ByteBuffer(bytes: indication.encoded())
        }
        listener.write(AddressedEnvelope(remoteAddress: allocation.clientSocket, data: out), promise: nil)
        needsFlush[ObjectIdentifier(listener)] = listener
    }

    /// Flushes every socket written to since the last flush; called once per read burst.
    func flushPending() {
        guard !needsFlush.isEmpty else { return }
        for channel in needsFlush.values { channel.flush() }
        needsFlush.removeAll(keepingCapacity: true)
    }

    func relaySendIndication(_ message: STUNMessage, from client: TransportAddress) {
        guard let allocation = allocations[client] else { return }
        guard let peer = (try? message.attribute(XORPeerAddress.self))?.address, let data = try? message.attribute(DataValue.self),
            allocation.hasPermission(peer.ip, now: .now()), mayReach(peer), let peerSocket = try? peer.socketAddress
        else {
            allocation.counters.droppedToPeers += 1
            return
        }
        send(ByteBuffer(bytes: data.bytes), to: peerSocket, through: allocation)  // flushed at the end of the read burst
    }
}
