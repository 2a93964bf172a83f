/// A yamux session without I/O: frames in, frames out and events. It keeps per-stream flow
/// control (each side may send at most the other's window, 256 KiB to start, and grants more as
/// it takes data in), answers pings, and bounds the streams a peer may open.
public struct YamuxSession {
    public static let initialWindow: UInt32 = 256 * 1024

    public struct Stream {
        /// What the peer still lets us send, and data waiting for it to grant more.
        var sendWindow = YamuxSession.initialWindow
        var pending: [UInt8] = []
        var finAfterPending = false
        /// What we still let the peer send before our next WindowUpdate.
        var receiveWindow = YamuxSession.initialWindow
        /// Bytes taken in (or, without `grantsOnReceipt`, consumed) since the last grant.
        var ungranted: UInt32 = 0
        public internal(set) var remoteClosed = false
        public internal(set) var localClosed = false
    }

    public enum Event: Equatable {
        /// The peer acknowledged a stream we opened, or opened one we accepted.
        case opened(UInt32)
        case data(UInt32, [UInt8])
        /// The peer will send no more on the stream (FIN).
        case closed(UInt32)
        case reset(UInt32)
        /// A reply to our ping with this value.
        case pong(UInt32)
        /// The peer let us send more on the stream (a WindowUpdate with a non-zero delta).
        case windowGranted(UInt32)
        /// The peer is ending the session (0 normal, 1 protocol error, 2 internal error).
        case goAway(UInt32)
    }

    public let isClient: Bool
    /// Streams the peer may open (its SYNs past this are reset); 0 refuses them all.
    public var maximumInboundStreams: Int
    /// Whether window is granted back as data arrives (a reader that takes everything at once,
    /// as the probe's does) or only as the application reports it consumed (`consumed`), so a
    /// stream nobody reads holds at most one window of data.
    public let grantsOnReceipt: Bool
    public private(set) var streams: [UInt32: Stream] = [:]
    var nextStreamID: UInt32

    public init(isClient: Bool, maximumInboundStreams: Int = 0, grantsOnReceipt: Bool = true) {
        self.isClient = isClient
        self.maximumInboundStreams = maximumInboundStreams
        self.grantsOnReceipt = grantsOnReceipt
        nextStreamID = isClient ? 1 : 2
    }

    /// The application read `count` bytes of the stream: a WindowUpdate once half a window is
    /// due (without `grantsOnReceipt`; otherwise nil, the grant went out on receipt).
    public mutating func consumed(_ count: Int, on id: UInt32) -> YamuxFrame? {
        guard !grantsOnReceipt, var stream = streams[id], count > 0 else { return nil }
        stream.ungranted &+= UInt32(clamping: count)
        defer { streams[id] = stream }
        guard stream.ungranted >= Self.initialWindow / 2 else { return nil }
        let grant = stream.ungranted
        stream.receiveWindow &+= grant
        stream.ungranted = 0
        return YamuxFrame(.windowUpdate, streamID: id, length: grant)
    }

    /// Opens a stream: its ID and the frame that announces it (a WindowUpdate with SYN).
    public mutating func open() -> (id: UInt32, frame: YamuxFrame) {
        let id = nextStreamID
        nextStreamID &+= 2
        streams[id] = Stream()
        return (id, YamuxFrame(.windowUpdate, flags: .syn, streamID: id, length: 0))
    }

    /// Frames carrying `data` as far as the peer's window allows; the rest waits for a WindowUpdate.
    public mutating func send(_ data: [UInt8], on id: UInt32) -> [YamuxFrame] {
        guard var stream = streams[id], !stream.localClosed else { return [] }
        stream.pending += data
        let frames = Self.flush(&stream, id: id)
        streams[id] = stream
        return frames
    }

    /// Half-closes the stream (FIN), after any data still waiting for window.
    public mutating func close(_ id: UInt32) -> [YamuxFrame] {
        guard var stream = streams[id], !stream.localClosed else { return [] }
        stream.finAfterPending = true
        let frames = Self.flush(&stream, id: id)
        streams[id] = stream
        forgetIfDone(id)
        return frames
    }

    /// Abandons the stream at once (RST); nil when it is not open.
    public mutating func reset(_ id: UInt32) -> YamuxFrame? {
        guard streams.removeValue(forKey: id) != nil else { return nil }
        return YamuxFrame(.windowUpdate, flags: .rst, streamID: id)
    }

    /// Bytes given to `send` that still wait for the peer's window.
    public func waitingBytes(on id: UInt32) -> Int { streams[id]?.pending.count ?? 0 }

    public func ping(_ value: UInt32) -> YamuxFrame { YamuxFrame(.ping, flags: .syn, streamID: 0, length: value) }

    /// Takes in one frame from the peer. Throws on a protocol violation (data past our window,
    /// data on a stream we never saw open); the caller then sends `goAway(protocolError)`.
    public mutating func receive(_ frame: YamuxFrame) throws(Libp2pDecodeError) -> (out: [YamuxFrame], events: [Event]) {
        let id = frame.streamID
        switch frame.kind {
        case .ping:
            return frame.flags.contains(.syn) ? ([YamuxFrame(.ping, flags: .ack, streamID: 0, length: frame.length)], []) : ([], [.pong(frame.length)])
        case .goAway:
            return ([], [.goAway(frame.length)])
        case .data, .windowUpdate:
            var out: [YamuxFrame] = []
            var events: [Event] = []
            if frame.flags.contains(.syn) {
                guard streams[id] == nil, id != 0, (id % 2 == 1) != isClient else {
                    throw Libp2pDecodeError("yamux stream \(id)", "SYN for a stream ID that is in use or not the peer's to open")
                }
                let inbound = streams.keys.filter { ($0 % 2 == 1) != isClient }.count
                guard inbound < maximumInboundStreams else { return ([YamuxFrame(.windowUpdate, flags: .rst, streamID: id)], []) }
                streams[id] = Stream()
                out.append(YamuxFrame(.windowUpdate, flags: .ack, streamID: id))
                events.append(.opened(id))
            }
            // A frame for a stream already forgotten (reset or fully closed) is ignored.
            guard var stream = streams[id] else { return ([], []) }
            if frame.flags.contains(.ack) { events.append(.opened(id)) }
            if frame.flags.contains(.rst) {
                streams[id] = nil
                return (out, events + [.reset(id)])
            }
            if frame.kind == .windowUpdate {
                // A grant past 2^32 - 1 is the peer's mistake; saturate rather than wrap.
                stream.sendWindow = stream.sendWindow.addingReportingOverflow(frame.length).overflow ? .max : stream.sendWindow + frame.length
                out += Self.flush(&stream, id: id)
                if frame.length > 0 { events.append(.windowGranted(id)) }
            } else if !frame.data.isEmpty {
                guard UInt32(frame.data.count) <= stream.receiveWindow, !stream.remoteClosed else {
                    throw Libp2pDecodeError("yamux stream \(id)", "\(frame.data.count) bytes past the window of \(stream.receiveWindow) or after FIN")
                }
                stream.receiveWindow -= UInt32(frame.data.count)
                events.append(.data(id, frame.data))
                // Data handed on at once counts as read: grant the window back once half of it
                // is used, as the spec suggests, not on every frame.
                if grantsOnReceipt {
                    let used = Self.initialWindow - stream.receiveWindow
                    if used >= Self.initialWindow / 2 {
                        stream.receiveWindow = Self.initialWindow
                        out.append(YamuxFrame(.windowUpdate, streamID: id, length: used))
                    }
                }
            }
            if frame.flags.contains(.fin) {
                stream.remoteClosed = true
                events.append(.closed(id))
            }
            streams[id] = stream
            forgetIfDone(id)
            return (out, events)
        }
    }

    public static let protocolError: UInt32 = 1
    public func goAway(_ code: UInt32) -> YamuxFrame { YamuxFrame(.goAway, streamID: 0, length: code) }

    private mutating func forgetIfDone(_ id: UInt32) {
        if let stream = streams[id], stream.localClosed, stream.remoteClosed { streams[id] = nil }
    }

    private static func flush(_ stream: inout Stream, id: UInt32) -> [YamuxFrame] {
        var frames: [YamuxFrame] = []
        while !stream.pending.isEmpty, stream.sendWindow > 0 {
            let count = min(stream.pending.count, Int(stream.sendWindow), 16 * 1024)
            frames.append(YamuxFrame(.data, streamID: id, data: Array(stream.pending.prefix(count))))
            stream.pending.removeFirst(count)
            stream.sendWindow -= UInt32(count)
        }
        if stream.finAfterPending, stream.pending.isEmpty, !stream.localClosed {
            stream.localClosed = true
            if let last = frames.indices.last {
                frames[last].flags.insert(.fin)
            } else {
                frames.append(YamuxFrame(.windowUpdate, flags: .fin, streamID: id))
            }
        }
        return frames
    }
}
