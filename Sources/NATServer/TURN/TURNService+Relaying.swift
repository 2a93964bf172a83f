import NATWire
import NIOCore

/// The relay's data path, on the service's `RelayEventLoop`: datagrams read in batches from the
/// listening socket (ChannelData to peers, everything else to the control path) and from each
/// relayed socket (peers' datagrams to their client), sent in batches once per read.
extension TURNService {
    /// At most this many batches per readiness, so one busy socket cannot starve the others.
    static let batchesPerWake = 4

    /// Reads `fd` in batches and hands each datagram, its source and the batch's clock reading
    /// to `relay`, sending what it queued once per batch (before the next read reuses the slots).
    private func readBatches(from fd: Int32, _ relay: (UnsafeMutableRawBufferPointer, RawSocketAddress, NIODeadline) -> Void) {
        for _ in 0..<Self.batchesPerWake {
            let count = reads.read(from: fd)
            let now = NIODeadline.now()
            for index in 0..<count {
                guard let bytes = reads.payload(index), let source = reads.source(index) else { continue }
                relay(bytes, source, now)
            }
            writes.flush()
            if count < DatagramReadBatch.capacity { return }
        }
    }

    /// The listening socket is readable: ChannelData and Send indications are relayed here,
    /// everything else is a control message.
    func readListener() {
        guard let listener else { return }
        readBatches(from: listener.fd) { bytes, source, now in
            guard !bytes.isEmpty else { return }
            if ChannelDataHeader.isChannelData(firstByte: bytes[0]) {
                relayChannelData(bytes, from: source, now: now)
            } else if let indication = SendIndicationView(UnsafeRawBufferPointer(bytes)) {
                relaySendIndication(indication, in: bytes, from: source, now: now)
            } else {
                handleControl(ByteBuffer(bytes: UnsafeRawBufferPointer(bytes)), from: source)
            }
        }
    }

    /// A relayed socket is readable.
    func readPeers(of allocation: TURNAllocation) {
        readBatches(from: allocation.relaySocket.fd) { bytes, source, now in
            relayFromPeer(bytes, from: source, allocation: allocation, now: now)
        }
    }

    /// A ChannelData datagram from a client: its data goes to the bound peer from where it was read.
    func relayChannelData(_ bytes: UnsafeMutableRawBufferPointer, from client: RawSocketAddress, now: NIODeadline) {
        guard bytes.count >= ChannelDataHeader.length, let allocation = allocations[client],
            let header = ChannelDataHeader.parse(bytes[0], bytes[1], bytes[2], bytes[3], datagramLength: bytes.count)
        else { return }
        guard let peer = allocation.channelTarget(header.channel, now: now) else {
            allocation.counters.droppedToPeers += 1
            return
        }
        let length = Int(header.dataLength)
        allocation.counters.packetsToPeers += 1
        allocation.counters.bytesToPeers += length
        let data = UnsafeRawBufferPointer(start: bytes.baseAddress! + ChannelDataHeader.length, count: length)
        writes.enqueue(data, to: peer, from: allocation.relaySocket.fd)
    }

    /// A datagram from a peer to a relayed address: to the client, as ChannelData when the peer
    /// has a channel, else as a Data indication, either way with its header written into the
    /// read slot's headroom, so nothing is copied; dropped without a permission (§11.3, §12.6).
    func relayFromPeer(_ bytes: UnsafeMutableRawBufferPointer, from source: RawSocketAddress, allocation: TURNAllocation, now: NIODeadline) {
        let route = allocation.route(source)
        guard route.permittedUntil > now, let listener else {
            allocation.counters.droppedFromPeers += 1
            return
        }
        guard let framed = frameForClient(bytes, from: source, route: route, now: now) else { return }
        if let stream = allocation.stream {
            guard relayToStream(framed.frame, stream: stream) else {
                allocation.counters.droppedToClient += 1
                return
            }
        } else {
            // A Data indication's DATA attribute is padded to 4 bytes: whatever follows the
            // datagram in its read slot goes as padding (receivers ignore its value).
            let padding = framed.isIndication ? (4 - bytes.count % 4) % 4 : 0
            writes.enqueue(UnsafeRawBufferPointer(start: framed.frame.baseAddress, count: framed.frame.count + padding), to: allocation.clientSocket, from: listener.fd)
        }
        allocation.counters.packetsFromPeers += 1
        allocation.counters.bytesFromPeers += bytes.count
    }

    /// A peer's datagram framed for its client, the header written into the read slot's
    /// headroom (`DatagramReadBatch.headroom`): ChannelData when the peer has a live channel,
    /// else a Data indication; nil when too long for either. Unpadded: a Data indication needs
    /// padding to 4 bytes, ChannelData only over a stream (§12.5).
    func frameForClient(
        _ bytes: UnsafeMutableRawBufferPointer, from source: RawSocketAddress, route: TURNAllocation.PeerRoute, now: NIODeadline
    ) -> (frame: UnsafeRawBufferPointer, isIndication: Bool)? {
        if let number = route.channel, route.channelUntil > now, bytes.count <= Int(UInt16.max) {
            let start = bytes.baseAddress! - ChannelDataHeader.length
            start.storeBytes(of: number.bigEndian, as: UInt16.self)
            (start + 2).storeBytes(of: UInt16(bytes.count).bigEndian, as: UInt16.self)
            return (UnsafeRawBufferPointer(start: start, count: ChannelDataHeader.length + bytes.count), false)
        }
        guard bytes.count <= Int(UInt16.max) - DataIndicationHeader.maximumLength else { return nil }
        indicationCount &+= 1
        let length = DataIndicationHeader.write(
            before: bytes.baseAddress!, dataLength: bytes.count, peer: source, transaction: (indicationCount, indicationSalt))
        return (UnsafeRawBufferPointer(start: bytes.baseAddress! - length, count: length + bytes.count), true)
    }

    /// A Send indication read in place: its DATA goes to the peer from where it was read. The
    /// only path for Send indications: one `SendIndicationView` refuses is malformed, and dropped.
    func relaySendIndication(
        _ indication: SendIndicationView, in bytes: UnsafeMutableRawBufferPointer, from client: RawSocketAddress, now: NIODeadline
    ) {
        guard let allocation = allocations[client] else { return }
        let route = allocation.route(indication.peer)
        guard route.permittedUntil > now, mayReach(route.peer) else {
            allocation.counters.droppedToPeers += 1
            return
        }
        allocation.counters.packetsToPeers += 1
        allocation.counters.bytesToPeers += indication.dataLength
        let data = UnsafeRawBufferPointer(start: bytes.baseAddress! + indication.dataOffset, count: indication.dataLength)
        writes.enqueue(data, to: indication.peer, from: allocation.relaySocket.fd)
    }
}
