import Libp2pWire

/// What arrives for one reader of a libp2p byte stream: bytes, or the end (clean, or a reset:
/// the stream or its connection abandoned).
enum Libp2pChunk: Sendable {
    case bytes([UInt8])
    case closed
    case reset

    var isReset: Bool { if case .reset = self { true } else { false } }
}

/// The reading half both a TCP connection and a yamux stream need: chunks pushed into a
/// `Mailbox` by whoever receives them, bytes waiting to be parsed, and `read(_:parse:)`, which
/// waits (until a deadline) for enough bytes to parse the next message. One reader at a time.
struct ChunkReader {
    let inbox = Mailbox<Libp2pChunk>()
    private var pending = PendingBytes()
    private var ended = false
    /// Whether the end was a reset rather than a clean close.
    private(set) var endedByReset = false
    /// Told the size of each chunk taken from the inbox: the reader has caught up that much
    /// (a socket resumes reading, a yamux stream grants window).
    private let onPull: (@Sendable (Int) -> Void)?

    init(onPull: (@Sendable (Int) -> Void)? = nil) { self.onPull = onPull }

    /// Waits until `parse` finds a message at the start of the buffered bytes, and takes it.
    mutating func read<T>(_ doing: String, deadline: ContinuousClock.Instant, parse: ([UInt8]) throws(Libp2pDecodeError) -> (T, Int)?) async throws(Libp2pError) -> T {
        while true {
            if let value = try pending.next(parse) { return value }
            guard !ended else { throw .closed(doing) }
            guard let chunk = await inbox.next(within: max(.zero, deadline - .now)) else { throw .timedOut(doing) }
            switch chunk {
            case .bytes(let bytes):
                onPull?(bytes.count)
                pending.append(bytes)
            case .closed: ended = true
            case .reset: (ended, endedByReset) = (true, true)
            }
        }
    }

    /// Whatever bytes come next (those already buffered first); nil at the end or the deadline.
    mutating func nextBytes(deadline: ContinuousClock.Instant) async -> [UInt8]? {
        if let buffered = pending.takeAll() { return buffered }
        guard !ended, let chunk = await inbox.next(within: max(.zero, deadline - .now)) else { return nil }
        switch chunk {
        case .bytes(let bytes):
            onPull?(bytes.count)
            return bytes
        case .closed, .reset:
            ended = true
            endedByReset = chunk.isReset
            return nil
        }
    }

    /// Bytes read past the last message: they belong to the layer that takes over.
    mutating func takeRemainder() -> [UInt8] { pending.takeAll() ?? [] }
}
