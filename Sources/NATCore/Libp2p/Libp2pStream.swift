import Libp2pWire
import NIOConcurrencyHelpers

/// One yamux stream of a `Libp2pConnection`: one task reads it (messages through
/// `read(_:parse:)`, or raw bytes through `nextBytes`), any task may write to it.
public final class Libp2pStream: Libp2pLayer, @unchecked Sendable {
    public let id: UInt32
    public let connection: Libp2pConnection
    /// The protocol agreed on the stream, once it is.
    public internal(set) var protocolID: String?
    /// Only the stream's one reader touches `reader`; the connection pushes into `inbox`.
    var reader: ChunkReader
    let inbox: Mailbox<Libp2pChunk>
    /// Pushed when the peer grants window while a writer waits in `waitUntilWritable`.
    private let windowGranted = Mailbox<Void>()
    private let waitingForWindow = NIOLockedValueBox(false)
    /// Delivered but not yet read: bytes plus a per-chunk overhead (`Libp2pConnection.maximumUnread`).
    private let unread: NIOLockedValueBox<Int>

    init(id: UInt32, connection: Libp2pConnection) {
        self.id = id
        self.connection = connection
        let unread = NIOLockedValueBox(0)
        self.unread = unread
        reader = ChunkReader { [unowned connection] count in
            unread.withLockedValue { $0 -= count + Libp2pConnection.chunkOverhead }
            connection.consumed(count, on: id)
        }
        inbox = reader.inbox
    }

    public func send(_ bytes: [UInt8]) throws(Libp2pError) { try connection.send(bytes, on: id) }

    public func read<T>(_ doing: String, deadline: ContinuousClock.Instant, parse: ([UInt8]) throws(Libp2pDecodeError) -> (T, Int)?) async throws(Libp2pError) -> T {
        try await reader.read(doing, deadline: deadline, parse: parse)
    }

    /// The next bytes the peer sent; nil at its end (FIN, reset, connection gone) or the deadline.
    public func nextBytes(deadline: ContinuousClock.Instant) async -> [UInt8]? { await reader.nextBytes(deadline: deadline) }

    /// One varint-length-prefixed protobuf message of at most `maximum` bytes.
    public func readMessage(_ doing: String, maximum: Int, deadline: ContinuousClock.Instant) async throws(Libp2pError) -> [UInt8] {
        try await read(doing, deadline: deadline) { buffer throws(Libp2pDecodeError) -> ([UInt8], Int)? in
            try LengthPrefixed.parse(buffer, maximum: maximum, place: doing).map { ($0.message, $0.length) }
        }
    }

    public func sendMessage(_ message: [UInt8]) throws(Libp2pError) { try send(LengthPrefixed.frame(message)) }

    /// Waits while more than `limit` bytes wait for the peer's window: a writer that copies from
    /// elsewhere stays within a bounded buffer. False when the deadline passed first.
    public func waitUntilWritable(below limit: Int, deadline: ContinuousClock.Instant) async -> Bool {
        waitingForWindow.withLockedValue { $0 = true }
        defer {
            waitingForWindow.withLockedValue { $0 = false }
            windowGranted.drain()
        }
        while connection.waitingBytes(on: id) > limit {
            guard !connection.isClosed, ContinuousClock.now < deadline else { return false }
            _ = await windowGranted.next(within: min(.seconds(1), deadline - .now))
        }
        return true
    }

    /// The peer granted window: wakes a writer waiting for it (and queues nothing otherwise).
    func signalWindow() { if waitingForWindow.withLockedValue({ $0 }) { windowGranted.push(()) } }

    /// Whether the stream ended by a reset (or its connection's loss), not a clean FIN; for
    /// its reader, once a read has seen the end.
    public var wasReset: Bool { reader.endedByReset }

    /// Half-closes: no more writes (FIN); the peer may still send.
    public func closeWrite() { connection.closeWrite(id) }

    /// Abandons the stream in both directions (RST).
    public func reset() { connection.reset(id) }

    /// Counts a delivered chunk's cost until its reader takes it; returns the new total.
    func addUnread(_ cost: Int) -> Int { unread.withLockedValue { $0 += cost; return $0 } }
}
