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
        var received: [UInt8] = []
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
                case .data(stream, let bytes): received += bytes
                case .reset(stream): throw .refused(IdentifyMessage.protocolID)
                case .closed(stream): ended = true
                case .goAway: throw .closed(doing)
                default: continue
                }
            }
            // The stream carries the multistream echo (header, protocol), then the message.
            do {
                while echoes < 2, let (text, length) = try Multistream.parse(received) {
                    received.removeFirst(length)
                    if text == Multistream.notAvailable { throw Libp2pError.refused(IdentifyMessage.protocolID) }
                    echoes += 1
                }
                if echoes == 2, let (message, _) = try LengthPrefixed.parse(received, maximum: IdentifyMessage.maximumLength, place: "Identify") {
                    try? secure.send(session.goAway(0).encoded)
                    return (try IdentifyMessage(encoded: message), rtt)
                }
            } catch let error as Libp2pError {
                throw error
            } catch let error as Libp2pDecodeError {
                throw .malformed(error)
            } catch {
                throw .closed(doing)
            }
            if ended { throw .closed(doing) }
        }
    }
}
