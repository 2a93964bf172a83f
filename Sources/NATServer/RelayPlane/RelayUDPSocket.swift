import CRelaySockets
import Glibc
import NATWire
import NIOConcurrencyHelpers

/// A nonblocking UDP socket the relay loop reads and writes itself (recvmmsg/sendmmsg), for the
/// listening socket and every relayed socket.
///
/// The data path uses `fd` on the owning loop, which flushes its sends before it closes the
/// socket. `send` may come from other threads too (answers from the NIO loop through a relay
/// thread's listening socket, up to a dial-back's second later): it and `close` hold a lock, so
/// a late answer is dropped rather than sent through a descriptor number reused since.
final class RelayUDPSocket: @unchecked Sendable {
    let fd: Int32
    /// The address actually bound (the port filled in when 0 was asked for).
    let local: TransportAddress
    private let closed = NIOLockedValueBox(false)

    private init(fd: Int32, local: TransportAddress) {
        self.fd = fd
        self.local = local
    }

    enum Failure: Error, CustomStringConvertible {
        case system(String, Int32)
        var description: String {
            switch self {
            case .system(let call, let code): "\(call): \(String(cString: strerror(code)))"
            }
        }
    }

    /// Binds `address`; `reusePort` lets several relay threads share one listening address (the
    /// kernel then spreads clients over them by their 4-tuple, so a client stays on one thread).
    static func bind(_ address: TransportAddress, reusePort: Bool = false, receiveBuffer: Int32 = 1 << 20) throws -> RelayUDPSocket {
        let family = address.ip.family == .ipv4 ? AF_INET : AF_INET6
        let fd = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure.system("socket", errno) }
        func fail(_ call: String) -> Failure {
            let code = errno
            Glibc.close(fd)
            return Failure.system(call, code)
        }
        var one: Int32 = 1
        var size = receiveBuffer
        if reusePort, setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) != 0 { throw fail("SO_REUSEPORT") }
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))  // capped by rmem_max; best effort
        var storage = sockaddr_storage()
        let length = RawSocketAddress(address).write(to: &storage)
        let bound = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) } }
        guard bound == 0 else { throw fail("bind") }
        var actual = sockaddr_storage()
        var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        guard named == 0, let local = RawSocketAddress(&actual)?.transportAddress else { throw fail("getsockname") }
        return RelayUDPSocket(fd: fd, local: local)
    }

    /// One datagram now, outside any batch (control answers, Send indications), from any
    /// thread; dropped once the socket is closed. Other losses are UDP's.
    func send(_ bytes: UnsafeRawBufferPointer, to destination: RawSocketAddress) {
        var storage = sockaddr_storage()
        let length = destination.write(to: &storage)
        closed.withLockedValue { closed in
            guard !closed else { return }
            _ = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT), $0, length) }
            }
        }
    }

    /// Closes the descriptor, once.
    func close() {
        closed.withLockedValue { closed in
            guard !closed else { return }
            closed = true
            _ = Glibc.close(fd)
        }
    }

    /// A port on `address` that nothing else holds now: bound without SO_REUSEPORT (so a
    /// port held by another server's reuse group counts as taken) and released at once, for a
    /// group of relay threads to bind together. A fixed port that is taken fails here, as a
    /// single socket would, instead of silently joining another process's group.
    static func freePort(_ address: TransportAddress) throws -> TransportAddress {
        let probe = try bind(address, reusePort: false)
        probe.close()
        return probe.local
    }
}
