import CRelaySockets
import Glibc

/// Datagrams read with one `recvmmsg` into fixed slots, each with `headroom` free bytes in front
/// (and `tailroom` behind) so the relay can put a ChannelData or Data indication header before a
/// peer's datagram and send it from where it was read: no allocation and no copy per packet.
final class DatagramReadBatch {
    static let capacity = 16
    static let headroom = 64
    /// The largest datagram kept; a longer one is truncated by the kernel and dropped.
    static let slotPayload = 2048
    /// Room after a datagram for a Data indication's padding (up to 3 bytes).
    static let tailroom = 4
    private static let slotSize = headroom + slotPayload + tailroom

    private let memory: UnsafeMutableRawPointer
    private let headers: UnsafeMutablePointer<natctl_mmsghdr>
    private let vectors: UnsafeMutablePointer<iovec>
    private let addresses: UnsafeMutablePointer<sockaddr_storage>
    private(set) var count = 0

    init() {
        memory = .allocate(byteCount: Self.capacity * Self.slotSize, alignment: 16)
        headers = .allocate(capacity: Self.capacity)
        vectors = .allocate(capacity: Self.capacity)
        addresses = .allocate(capacity: Self.capacity)
    }

    deinit {
        memory.deallocate()
        headers.deallocate()
        vectors.deallocate()
        addresses.deallocate()
    }

    /// Reads up to `capacity` datagrams without blocking; returns how many arrived (0 when none).
    func read(from fd: Int32) -> Int {
        for index in 0..<Self.capacity {
            vectors[index] = iovec(iov_base: slotPayloadStart(index), iov_len: Self.slotPayload)
            headers[index] = natctl_mmsghdr()
            headers[index].msg_hdr.msg_name = UnsafeMutableRawPointer(addresses + index)
            headers[index].msg_hdr.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
            headers[index].msg_hdr.msg_iov = vectors + index
            headers[index].msg_hdr.msg_iovlen = 1
        }
        let got = natctl_recvmmsg(fd, headers, UInt32(Self.capacity), Int32(MSG_DONTWAIT))
        count = max(0, Int(got))
        return count
    }

    func slotPayloadStart(_ index: Int) -> UnsafeMutableRawPointer { memory + index * Self.slotSize + Self.headroom }

    /// The datagram's bytes; nil when it was truncated.
    func payload(_ index: Int) -> UnsafeMutableRawBufferPointer? {
        guard headers[index].msg_hdr.msg_flags & Int32(MSG_TRUNC) == 0 else { return nil }
        return UnsafeMutableRawBufferPointer(start: slotPayloadStart(index), count: Int(headers[index].msg_len))
    }

    func source(_ index: Int) -> RawSocketAddress? { RawSocketAddress(UnsafeRawPointer(addresses + index)) }
}

/// Datagrams queued during one read batch and sent with one `sendmmsg` per run of datagrams to
/// the same socket. The bytes are not copied: they must stay valid until `flush()`.
final class DatagramWriteBatch {
    static let capacity = DatagramReadBatch.capacity
    private let headers: UnsafeMutablePointer<natctl_mmsghdr>
    private let vectors: UnsafeMutablePointer<iovec>
    private let addresses: UnsafeMutablePointer<sockaddr_storage>
    private var sockets: [Int32]
    private(set) var count = 0

    init() {
        headers = .allocate(capacity: Self.capacity)
        vectors = .allocate(capacity: Self.capacity)
        addresses = .allocate(capacity: Self.capacity)
        sockets = [Int32](repeating: -1, count: Self.capacity)
    }

    deinit {
        headers.deallocate()
        vectors.deallocate()
        addresses.deallocate()
    }

    /// Queues `bytes` for `destination` from socket `fd`, flushing first when the batch is full.
    func enqueue(_ bytes: UnsafeRawBufferPointer, to destination: RawSocketAddress, from fd: Int32) {
        if count == Self.capacity { flush() }
        vectors[count] = iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count)
        headers[count] = natctl_mmsghdr()
        headers[count].msg_hdr.msg_name = UnsafeMutableRawPointer(addresses + count)
        headers[count].msg_hdr.msg_namelen = destination.write(to: addresses + count)
        headers[count].msg_hdr.msg_iov = vectors + count
        headers[count].msg_hdr.msg_iovlen = 1
        sockets[count] = fd
        count += 1
    }

    /// Sends what is queued; datagrams a full socket buffer refuses are dropped, as UDP would.
    func flush() {
        var start = 0
        while start < count {
            var end = start + 1
            while end < count, sockets[end] == sockets[start] { end += 1 }
            var next = start
            while next < end {
                let sent = natctl_sendmmsg(sockets[start], headers + next, UInt32(end - next), Int32(MSG_DONTWAIT))
                if sent <= 0 { next += 1 } else { next += Int(sent) }  // skip a refused datagram, keep the rest
            }
            start = end
        }
        count = 0
    }
}
