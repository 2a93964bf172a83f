import Libp2pWire
import Testing

/// Yamux as natctl runs it: opening and accepting streams, flow control in both directions,
/// the bound on a peer's streams, pings, and frames that break the protocol.
@Suite struct YamuxSessionTests {
    @Test func framesRoundTripAndMalformedOnesAreErrors() throws {
        let frame = YamuxFrame(.data, flags: [.syn, .fin], streamID: 7, data: [1, 2, 3])
        let parsed = try #require(try YamuxFrame.parse(frame.encoded + [9], maximumData: 1024))
        #expect(parsed.frame == frame && parsed.length == 15)
        #expect(try YamuxFrame.parse(Array(frame.encoded.dropLast()), maximumData: 1024) == nil)
        #expect(throws: Libp2pDecodeError.self) { try YamuxFrame.parse([1] + Array(frame.encoded.dropFirst()), maximumData: 1024) }
        #expect(throws: Libp2pDecodeError.self) { try YamuxFrame.parse([0, 9] + Array(frame.encoded.dropFirst(2)), maximumData: 1024) }
        #expect(throws: Libp2pDecodeError.self, "longer than the window") { try YamuxFrame.parse(frame.encoded, maximumData: 2) }
    }

    /// Feeds frames from one session into the other until neither has anything to say.
    static func deliver(_ frames: [YamuxFrame], to session: inout YamuxSession, back other: inout YamuxSession) throws -> (forward: [YamuxSession.Event], back: [YamuxSession.Event]) {
        var forward: [YamuxSession.Event] = []
        var backward: [YamuxSession.Event] = []
        var pending = frames
        var toOther: [YamuxFrame] = []
        while !pending.isEmpty || !toOther.isEmpty {
            for frame in pending {
                let (out, events) = try session.receive(frame)
                forward += events
                toOther += out
            }
            pending = []
            for frame in toOther {
                let (out, events) = try other.receive(frame)
                backward += events
                pending += out
            }
            toOther = []
        }
        return (forward, backward)
    }

    @Test func aStreamOpensCarriesDataBothWaysAndCloses() throws {
        var client = YamuxSession(isClient: true)
        var server = YamuxSession(isClient: false, maximumInboundStreams: 4)
        let (id, syn) = client.open()
        #expect(id == 1)
        let (atServer, atClient) = try Self.deliver([syn] + client.send([1, 2, 3], on: id), to: &server, back: &client)
        #expect(atServer == [.opened(1), .data(1, [1, 2, 3])])
        #expect(atClient == [.opened(1)], "the ACK")
        let (backAtClient, _) = try Self.deliver(server.send([4], on: 1) + server.close(1), to: &client, back: &server)
        #expect(backAtClient == [.data(1, [4]), .closed(1)])
        _ = try Self.deliver(client.close(1), to: &server, back: &client)
        #expect(client.streams[1] == nil && server.streams[1] == nil, "both halves closed: forgotten")
    }

    /// The sender never exceeds the receiver's window; the receiver grants more once it has
    /// taken in half, so a large write flows through in full.
    @Test func flowControlHoldsDataUntilTheWindowIsGranted() throws {
        var client = YamuxSession(isClient: true)
        var server = YamuxSession(isClient: false, maximumInboundStreams: 1)
        let (id, syn) = client.open()
        let total = Int(YamuxSession.initialWindow) * 3
        let first = [syn] + client.send([UInt8](repeating: 5, count: total), on: id)
        let sentAtOnce = first.filter { $0.kind == .data }.reduce(0) { $0 + $1.data.count }
        #expect(sentAtOnce == Int(YamuxSession.initialWindow), "only the initial window goes before a WindowUpdate")
        let (events, _) = try Self.deliver(first, to: &server, back: &client)
        let received = events.reduce(0) { sum, event in if case .data(_, let bytes) = event { sum + bytes.count } else { sum } }
        #expect(received == total, "window updates let the rest through")
        // A peer that ignores our window is a protocol error.
        var strict = YamuxSession(isClient: false, maximumInboundStreams: 1)
        _ = try strict.receive(YamuxFrame(.windowUpdate, flags: .syn, streamID: 1))
        let flood = YamuxFrame(.data, streamID: 1, data: [UInt8](repeating: 0, count: Int(YamuxSession.initialWindow) + 1))
        #expect(throws: Libp2pDecodeError.self) { try strict.receive(flood) }
    }

    /// Without `grantsOnReceipt`, window comes back only as the reader consumes: a stream
    /// nobody reads holds one window, and half a window consumed is granted in one update.
    @Test func windowFollowsConsumptionWhenAskedTo() throws {
        var server = YamuxSession(isClient: false, maximumInboundStreams: 1, grantsOnReceipt: false)
        _ = try server.receive(YamuxFrame(.windowUpdate, flags: .syn, streamID: 1))
        let half = Int(YamuxSession.initialWindow) / 2
        let (out, _) = try server.receive(YamuxFrame(.data, streamID: 1, data: [UInt8](repeating: 1, count: half)))
        #expect(out.isEmpty, "nothing is granted on receipt")
        _ = try server.receive(YamuxFrame(.data, streamID: 1, data: [UInt8](repeating: 1, count: half)))
        #expect(throws: Libp2pDecodeError.self, "the window is spent until the reader consumes") {
            try server.receive(YamuxFrame(.data, streamID: 1, data: [1]))
        }
        var fresh = YamuxSession(isClient: false, maximumInboundStreams: 1, grantsOnReceipt: false)
        _ = try fresh.receive(YamuxFrame(.windowUpdate, flags: .syn, streamID: 1))
        _ = try fresh.receive(YamuxFrame(.data, streamID: 1, data: [UInt8](repeating: 1, count: half)))
        #expect(fresh.consumed(half - 1, on: 1) == nil, "less than half a window consumed: no update yet")
        #expect(fresh.consumed(1, on: 1) == YamuxFrame(.windowUpdate, streamID: 1, length: UInt32(half)))
        _ = try fresh.receive(YamuxFrame(.data, streamID: 1, data: [UInt8](repeating: 1, count: Int(YamuxSession.initialWindow))))
        // A grant past 2^32 - 1 saturates instead of wrapping to a tiny window.
        var client = YamuxSession(isClient: true)
        let (id, _) = client.open()
        _ = try client.receive(YamuxFrame(.windowUpdate, streamID: id, length: .max))
        #expect(client.send([UInt8](repeating: 0, count: 1000), on: id).count == 1)
    }

    @Test func streamsPastTheLimitAreResetAndBadSYNsAreErrors() throws {
        var server = YamuxSession(isClient: false, maximumInboundStreams: 2)
        for id: UInt32 in [1, 3] { #expect(try server.receive(YamuxFrame(.windowUpdate, flags: .syn, streamID: id)).events == [.opened(id)]) }
        let (out, events) = try server.receive(YamuxFrame(.windowUpdate, flags: .syn, streamID: 5))
        #expect(events.isEmpty && out.first?.flags == .rst && out.first?.streamID == 5)
        #expect(throws: Libp2pDecodeError.self, "stream 1 is in use") { try server.receive(YamuxFrame(.windowUpdate, flags: .syn, streamID: 1)) }
        #expect(throws: Libp2pDecodeError.self, "even IDs are the server's") { try server.receive(YamuxFrame(.windowUpdate, flags: .syn, streamID: 6)) }
        var probe = YamuxSession(isClient: true)
        #expect(try probe.receive(YamuxFrame(.windowUpdate, flags: .syn, streamID: 2)).out.first?.flags == .rst, "natctl's probe accepts no streams")
    }

    @Test func pingsAreAnsweredAndPongsReported() throws {
        var session = YamuxSession(isClient: true)
        #expect(try session.receive(YamuxFrame(.ping, flags: .syn, streamID: 0, length: 42)).out == [YamuxFrame(.ping, flags: .ack, streamID: 0, length: 42)])
        #expect(try session.receive(YamuxFrame(.ping, flags: .ack, streamID: 0, length: 42)).events == [.pong(42)])
        #expect(try session.receive(YamuxFrame(.goAway, streamID: 0, length: 0)).events == [.goAway(0)])
    }
}
