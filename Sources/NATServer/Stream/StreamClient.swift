import NATNIO
import NATWire
import NIOCore

/// One client's TCP or TLS connection to the server (RFC 8489 §6.2; RFC 8656 §3.1, TURN over
/// a stream with UDP relayed allocations). The connection is the client's 5-tuple: its
/// allocation, if any, lives as long as the connection, and every answer and relayed datagram
/// goes back down it. Any thread may write; NIO hops to the connection's loop.
final class StreamClient: DatagramOutlet, Sendable {
    let channel: any Channel
    let remote: TransportAddress
    let overTLS: Bool
    /// The allocation key: an address no UDP datagram can come from (port 0), unique per
    /// connection, so a TCP client never meets a UDP client's allocation.
    let key: RawSocketAddress
    let id: UInt64
    /// A stream delivers what it accepts, or the connection dies.
    var losesDatagrams: Bool { false }

    init(channel: any Channel, remote: TransportAddress, id: UInt64, overTLS: Bool) {
        self.channel = channel
        self.remote = remote
        self.id = id
        self.overTLS = overTLS
        key = RawSocketAddress(high: id, low: 0, port: 0, isIPv6: true)
    }

    /// Sends a control message (an answer): always queued.
    func write(_ bytes: ByteBuffer) {
        channel.writeAndFlush(bytes, promise: nil)
    }

    /// Sends relayed data unless the connection's send queue is over its high-water mark (the
    /// client reads slower than its peers send): then the datagram is dropped, as a full UDP
    /// path would, instead of growing the queue. False when dropped.
    func relay(_ bytes: ByteBuffer) -> Bool {
        guard channel.isWritable else { return false }
        channel.writeAndFlush(bytes, promise: nil)
        return true
    }

    /// Answers from Binding, dial-back and rendezvous go down the stream, and only to this
    /// client: a message meant for another address is dropped.
    func send(_ bytes: [UInt8], to destination: TransportAddress) {
        guard destination == remote else { return }
        write(ByteBuffer(bytes: bytes))
    }

    func close() {
        channel.close(promise: nil)
    }
}
