import Libp2pWire
import NATWire
import NIOConcurrencyHelpers

/// A secured, yamux-multiplexed libp2p connection that many tasks use at once: `run` is its one
/// reader (Noise frames in, yamux frames to streams), while any task may open streams and write.
/// Writes go through one lock that holds the yamux session and the sending cipher, so frames
/// leave in nonce order. The listener side of natctl's libp2p (relay hop, AutoNAT dial-back)
/// and `classify --autonat` use it; `probe --libp2p` keeps its simpler one-task dialer.
public final class Libp2pConnection: @unchecked Sendable {
    public let remotePeer: PeerID
    /// The TCP endpoints, as the socket saw them when the connection was made.
    public let remoteAddress: TransportAddress
    public let localAddress: TransportAddress
    /// Whether natctl dialed it (else a listener accepted it).
    public let outbound: Bool
    /// Whether the peer's identity key signed its Noise key: nil for key types natctl does not
    /// check (a dialer reports them; a listener refuses them).
    public let identityVerified: Bool?
    /// How long the TCP connect took, for a connection natctl dialed.
    public let connectTime: Duration?
    let raw: Libp2pByteStream

    private struct Shared {
        var session: YamuxSession
        var sending: NoiseCipherState
        var streams: [UInt32: Libp2pStream] = [:]
        /// Pings sent and not yet answered, by value.
        var pings: [UInt32: Mailbox<Void>] = [:]
        var closed = false
    }

    private let shared: NIOLockedValueBox<Shared>
    /// Only `run` touches these.
    private var receiving: NoiseCipherState
    private var plaintext = PendingBytes()

    /// What a stream may hold unread before natctl resets it, counting each chunk's bytes and
    /// 64 for its bookkeeping: window is granted only as data is read, so a peer can leave at
    /// most a window (256 KiB) of data unread, but in 1-byte frames that would cost 16 MiB.
    static let maximumUnread = 4 << 20
    static let chunkOverhead = 64
    /// How long the reader waits for the next frame before it gives the connection up.
    static let idleLimit = Duration.seconds(2 * 3600)

    init(
        raw: Libp2pByteStream, secure: Libp2pSecureStream, remotePeer: PeerID, identityVerified: Bool?, connectTime: Duration?,
        remoteAddress: TransportAddress, localAddress: TransportAddress, maximumInboundStreams: Int
    ) {
        self.raw = raw
        self.remotePeer = remotePeer
        self.identityVerified = identityVerified
        self.connectTime = connectTime
        let outbound = connectTime != nil
        self.outbound = outbound
        self.remoteAddress = remoteAddress
        self.localAddress = localAddress
        let (send, receive, leftover) = secure.handOver()
        receiving = receive
        plaintext.append(leftover)
        shared = NIOLockedValueBox(
            Shared(session: YamuxSession(isClient: outbound, maximumInboundStreams: maximumInboundStreams, grantsOnReceipt: false), sending: send))
    }

    public var isClosed: Bool { shared.withLockedValue { $0.closed } }

    /// Reads until the connection ends (the peer closes, errs or breaks the protocol, or
    /// `close` is called); hands each stream the peer opens to `accept`. Every stream still
    /// open then reads its end.
    public func run(accept: @escaping @Sendable (Libp2pStream) -> Void) async {
        while let frame = await nextFrame() {
            let (accepted, ended) = take(frame)
            for stream in accepted { accept(stream) }
            if ended { break }
        }
        let streams = shared.withLockedValue { shared in
            shared.closed = true
            defer { shared.streams = [:] }
            return Array(shared.streams.values)
        }
        for stream in streams { stream.inbox.push(.reset) }
        await raw.close()
    }

    /// Opens a stream and agrees on `proto` over it (multistream-select as the dialer).
    public func openStream(_ proto: String, deadline: ContinuousClock.Instant) async throws(Libp2pError) -> Libp2pStream {
        let opened = shared.withLockedValue { shared -> Result<Libp2pStream, Libp2pError> in
            guard !shared.closed else { return .failure(.closed("opening a stream for \(proto)")) }
            let (id, syn) = shared.session.open()
            let stream = Libp2pStream(id: id, connection: self)
            shared.streams[id] = stream
            return Result { () throws(Libp2pError) in try Self.write([syn], &shared, raw) }.map { stream }
        }
        let stream = try opened.get()
        do {
            try await Libp2pDialer.negotiate(proto, on: stream, deadline: deadline)
        } catch {
            stream.reset()
            throw error
        }
        stream.protocolID = proto
        return stream
    }

    /// A yamux ping's round trip, or nil when no pong came by the deadline.
    public func ping(deadline: ContinuousClock.Instant) async -> Duration? {
        let value = UInt32.random(in: 1...UInt32.max)
        let pong = Mailbox<Void>()
        let sent = shared.withLockedValue { shared -> ContinuousClock.Instant? in
            guard !shared.closed else { return nil }
            shared.pings[value] = pong
            try? Self.write([shared.session.ping(value)], &shared, raw)
            return .now
        }
        guard let sent else { return nil }
        defer { shared.withLockedValue { _ = $0.pings.removeValue(forKey: value) } }
        guard await pong.next(within: max(.zero, deadline - .now)) != nil else { return nil }
        return .now - sent
    }

    /// Ends the connection: a GoAway, then the socket closes and `run` returns.
    public func close() async {
        shared.withLockedValue { shared in
            guard !shared.closed else { return }
            try? Self.write([shared.session.goAway(0)], &shared, raw)
        }
        await raw.close()
    }

    // MARK: Streams' writes

    func send(_ bytes: [UInt8], on id: UInt32) throws(Libp2pError) {
        try shared.withLockedValue { shared -> Result<Void, Libp2pError> in
            guard !shared.closed, let stream = shared.session.streams[id], !stream.localClosed else { return .failure(.closed("writing to a stream")) }
            let frames = shared.session.send(bytes, on: id)
            return Result { () throws(Libp2pError) in try Self.write(frames, &shared, raw) }
        }.get()
    }

    func closeWrite(_ id: UInt32) {
        shared.withLockedValue { shared in
            guard !shared.closed else { return }
            try? Self.write(shared.session.close(id), &shared, raw)
            if shared.session.streams[id] == nil { shared.streams[id] = nil }
        }
    }

    func reset(_ id: UInt32) {
        let stream = shared.withLockedValue { shared -> Libp2pStream? in
            guard !shared.closed, let rst = shared.session.reset(id) else { return nil }
            try? Self.write([rst], &shared, raw)
            return shared.streams.removeValue(forKey: id)
        }
        stream?.inbox.push(.reset)
    }

    func waitingBytes(on id: UInt32) -> Int { shared.withLockedValue { $0.session.waitingBytes(on: id) } }

    /// The stream's reader took `count` bytes: grant the peer window for them when enough is due.
    func consumed(_ count: Int, on id: UInt32) {
        shared.withLockedValue { shared in
            guard !shared.closed, let grant = shared.session.consumed(count, on: id) else { return }
            try? Self.write([grant], &shared, raw)
        }
    }

    // MARK: Reading

    private func nextFrame() async -> YamuxFrame? {
        let parse = { (buffer: [UInt8]) throws(Libp2pDecodeError) -> (YamuxFrame, Int)? in
            try YamuxFrame.parse(buffer, maximumData: Int(YamuxSession.initialWindow)).map { ($0.frame, $0.length) }
        }
        do throws(Libp2pError) {
            while true {
                if let frame = try plaintext.next(parse) { return frame }
                let sealed = try await raw.read("reading the connection", deadline: .now + Self.idleLimit, parse: NoiseFrame.parse)
                do { plaintext.append(try receiving.decrypt(sealed)) } catch { throw .malformed(error) }
            }
        } catch {
            if case .malformed = error { shared.withLockedValue { shared in try? Self.write([shared.session.goAway(YamuxSession.protocolError)], &shared, raw) } }
            return nil
        }
    }

    /// Takes one frame in: answers it, hands data and ends to their streams; returns the
    /// streams the peer opened and whether the connection is over.
    private func take(_ frame: YamuxFrame) -> (accepted: [Libp2pStream], ended: Bool) {
        var deliveries: [(Libp2pStream, Libp2pChunk)] = []
        var overfull: [UInt32] = []
        var pongs: [Mailbox<Void>] = []
        let result = shared.withLockedValue { shared -> (accepted: [Libp2pStream], ended: Bool) in
            let out: [YamuxFrame]
            let events: [YamuxSession.Event]
            do { (out, events) = try shared.session.receive(frame) } catch {
                try? Self.write([shared.session.goAway(YamuxSession.protocolError)], &shared, raw)
                return ([], true)
            }
            try? Self.write(out, &shared, raw)
            var accepted: [Libp2pStream] = []
            var ended = false
            for event in events {
                switch event {
                case .opened(let id) where shared.streams[id] == nil:
                    let stream = Libp2pStream(id: id, connection: self)
                    shared.streams[id] = stream
                    accepted.append(stream)
                case .data(let id, let bytes):
                    guard let stream = shared.streams[id] else { continue }
                    if stream.addUnread(bytes.count + Self.chunkOverhead) > Self.maximumUnread {
                        overfull.append(id)
                    } else {
                        deliveries.append((stream, .bytes(bytes)))
                    }
                case .closed(let id), .reset(let id):
                    guard let stream = shared.streams[id] else { continue }
                    if case .reset = event { deliveries.append((stream, .reset)) } else { deliveries.append((stream, .closed)) }
                    if shared.session.streams[id] == nil { shared.streams[id] = nil }
                case .windowGranted(let id):
                    shared.streams[id]?.signalWindow()
                case .pong(let value):
                    if let pong = shared.pings[value] { pongs.append(pong) }
                case .goAway:
                    ended = true
                default:
                    continue
                }
            }
            return (accepted, ended)
        }
        for (stream, chunk) in deliveries { stream.inbox.push(chunk) }
        for pong in pongs { pong.push(()) }
        for id in overfull { reset(id) }
        return result
    }

    /// Seals yamux frames into Noise frames and writes them, in order, under the lock.
    private static func write(_ frames: [YamuxFrame], _ shared: inout Shared, _ raw: Libp2pByteStream) throws(Libp2pError) {
        guard !frames.isEmpty else { return }
        let out = try Libp2pSecureStream.seal(frames.flatMap(\.encoded), with: &shared.sending)
        raw.send(out)
    }
}
