import Libp2pWire

extension Libp2pDialer {
    /// Opens a yamux stream for identify and pings beside it; returns the node's identify
    /// message and the ping's round trip (nil if the pong had not come when identify was done).
    static func identify(over secure: Libp2pSecureStream, deadline: ContinuousClock.Instant) async throws(Libp2pError) -> (IdentifyMessage, Double?) {
        var session = YamuxSession(isClient: true)
        let (stream, syn) = session.open()
        let request = Multistream.message(Multistream.header) + Multistream.message(IdentifyMessage.protocolID)
        let pingValue = UInt32.random(in: 1...UInt32.max)
        let pinged = ContinuousClock.now
        try secure.send(([session.ping(pingValue), syn] + session.send(request, on: stream)).flatMap(\.encoded))
        var rtt: Double?
        var received = PendingBytes()
        var echoes = 0
        let doing = "reading identify"
        while true {
            let frame = try await secure.read(doing, deadline: deadline) { buffer throws(Libp2pDecodeError) -> (YamuxFrame, Int)? in
                try YamuxFrame.parse(buffer, maximumData: Int(YamuxSession.initialWindow)).map { ($0.frame, $0.length) }
            }
            let (out, events): ([YamuxFrame], [YamuxSession.Event])
            do { (out, events) = try session.receive(frame) } catch {
                try? secure.send(session.goAway(YamuxSession.protocolError).encoded)
                throw .malformed(error)
            }
            if !out.isEmpty { try secure.send(out.flatMap(\.encoded)) }
            var ended = false
            for event in events {
                switch event {
                case .pong(pingValue): rtt = (ContinuousClock.now - pinged).millisecondsDouble
                case .data(stream, let bytes): received.append(bytes)
                case .reset(stream): throw .refused(IdentifyMessage.protocolID)
                case .closed(stream): ended = true
                case .goAway: throw .closed(doing)
                default: continue
                }
            }
            // The stream carries the multistream echo (header, protocol), then the message.
            while echoes < 2, let text = try received.next(multistreamLine) {
                guard text != Multistream.notAvailable else { throw .refused(IdentifyMessage.protocolID) }
                echoes += 1
            }
            let identify = { (buffer: [UInt8]) throws(Libp2pDecodeError) -> ([UInt8], Int)? in
                try LengthPrefixed.parse(buffer, maximum: IdentifyMessage.maximumLength, place: "Identify").map { ($0.message, $0.length) }
            }
            if echoes == 2, let message = try received.next(identify) {
                try? secure.send(session.goAway(0).encoded)
                do { return (try IdentifyMessage(encoded: message), rtt) } catch { throw .malformed(error) }
            }
            if ended { throw .closed(doing) }
        }
    }
}
