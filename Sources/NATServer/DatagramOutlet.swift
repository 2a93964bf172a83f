import NATNIO
import NATWire
import NIOCore

/// Where a server answer leaves from: a NIO datagram channel (RFC 5780's other sockets, or the
/// primary socket without TURN) or a relay thread's listening socket. Any thread may send.
protocol DatagramOutlet: Sendable {
    func send(_ bytes: [UInt8], to destination: TransportAddress)
    /// Whether a message sent through it may be lost (UDP): then a second copy is worth sending.
    var losesDatagrams: Bool { get }
}

extension DatagramOutlet {
    var losesDatagrams: Bool { true }
}

/// A NIO datagram channel as an outlet.
struct ChannelOutlet: DatagramOutlet {
    let channel: any Channel

    func send(_ bytes: [UInt8], to destination: TransportAddress) {
        guard let address = try? destination.socketAddress else { return }
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: bytes)), promise: nil)
    }
}

extension RelayUDPSocket: DatagramOutlet {
    func send(_ bytes: [UInt8], to destination: TransportAddress) {
        bytes.withUnsafeBytes { send($0, to: RawSocketAddress(destination)) }
    }
}
