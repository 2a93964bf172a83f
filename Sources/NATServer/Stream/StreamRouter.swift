import NATNIO
import NATWire
import NIOConcurrencyHelpers
import NIOCore

/// The server's TCP and TLS connections, bounded, and where their messages go: TURN (and
/// ChannelData) to one relay thread's `TURNService`, the same for the connection's whole life;
/// Binding, dial-back and rendezvous to the primary socket's `ServerDispatch`, answered down
/// the stream.
final class StreamRouter: Sendable {
    /// What one server accepts over streams, whatever clients do.
    struct Limits: Sendable {
        /// Open connections in all, and per client subscriber (an IPv4 address or an IPv6 /64).
        var total = 4096
        var perSubscriber = 64
        /// A connection must bring its first message (and finish TLS) this soon, or it closes.
        var firstMessage = TimeAmount.seconds(10)
        /// A connection that sends nothing for this long closes, and its allocation with it; a
        /// live TURN client refreshes its permissions every 5 minutes.
        var idle = TimeAmount.seconds(600)
    }

    private struct State {
        var open: [UInt64: StreamClient] = [:]
        /// The open connections by the client's address, for pushes to a client (rendezvous).
        var byAddress: [TransportAddress: StreamClient] = [:]
        var bySubscriber: [IPAddress: Int] = [:]
        var nextID: UInt64 = 1
        var closed = false
    }

    let limits: Limits
    private let services: [TURNService]
    private let dispatch: ServerDispatch
    private let loop: any EventLoop
    private let state = NIOLockedValueBox(State())

    init(limits: Limits, services: [TURNService], dispatch: ServerDispatch, loop: any EventLoop) {
        self.limits = limits
        self.services = services
        self.dispatch = dispatch
        self.loop = loop
    }

    /// Counts a new connection; nil (close it) when a limit is reached or the server is stopping.
    func open(channel: any Channel, remote: TransportAddress, overTLS: Bool) -> StreamClient? {
        let subscriber = remote.ip.subscriber
        return state.withLockedValue { state in
            guard !state.closed, state.open.count < limits.total, state.bySubscriber[subscriber, default: 0] < limits.perSubscriber else {
                return nil
            }
            let client = StreamClient(channel: channel, remote: remote, id: state.nextID, overTLS: overTLS)
            state.nextID += 1
            state.open[client.id] = client
            state.byAddress[remote] = client
            state.bySubscriber[subscriber, default: 0] += 1
            return client
        }
    }

    /// One message from `client`.
    func received(_ frame: ByteBuffer, from client: StreamClient) {
        if let service = service(for: client), Self.isTURN(frame) {
            service.loop.execute { service.handleStream(frame, from: client) }
            return
        }
        guard let source = try? client.remote.socketAddress else { return }
        dispatch.handle(frame, from: source, replyingThrough: client, on: loop, overStream: true)
    }

    /// The connection is gone: its allocation closes (RFC 8656 §3.1: the 5-tuple is gone).
    func closed(_ client: StreamClient) {
        let subscriber = client.remote.ip.subscriber
        let known = state.withLockedValue { state -> Bool in
            guard state.open.removeValue(forKey: client.id) != nil else { return false }
            if state.byAddress[client.remote] === client { state.byAddress[client.remote] = nil }
            state.bySubscriber[subscriber, default: 1] -= 1
            if state.bySubscriber[subscriber] == 0 { state.bySubscriber[subscriber] = nil }
            return true
        }
        guard known, let service = service(for: client) else { return }
        service.loop.execute { service.streamClosed(client) }
    }

    /// Closes every connection and accepts no more (server shutdown).
    func closeAll() async {
        let open = state.withLockedValue { state in
            state.closed = true
            return Array(state.open.values)
        }
        for client in open { try? await client.channel.close() }
    }

    var count: Int { state.withLockedValue { $0.open.count } }

    /// The open connection from `address`, if any.
    func client(at address: TransportAddress) -> StreamClient? { state.withLockedValue { $0.byAddress[address] } }

    private func service(for client: StreamClient) -> TURNService? {
        services.isEmpty ? nil : services[Int(client.id % UInt64(services.count))]
    }

    /// ChannelData, or a STUN message of a TURN method.
    static func isTURN(_ frame: ByteBuffer) -> Bool {
        guard let raw = frame.getInteger(at: frame.readerIndex, as: UInt16.self) else { return false }
        if ChannelDataHeader.isChannelData(firstByte: UInt8(raw >> 8)) { return true }
        return raw & 0xC000 == 0 && TURNService.methods.contains(STUNMessageType(rawValue: raw).method)
    }
}
