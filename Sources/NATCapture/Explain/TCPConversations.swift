import Libp2pWire
import NATWire

/// The TCP connections in a capture, one per interface and pair of endpoints, each direction's
/// data put back in order, and the cleartext start of libp2p read from it: multistream-select
/// lines, then Noise handshake frames. Rules read what each connection did (`TCPRules`); the
/// timeline labels the segments that carried each message (`notes`).
struct TCPConversation {
    let interface: Int
    /// Who sent the first SYN without ACK (the dialer); both, in a simultaneous open.
    var synSenders: [TransportAddress] = []
    var synAckFrom: TransportAddress?
    var resetFrom: TransportAddress?
    var frames: [Int] = []
    var directions: [TransportAddress: Direction] = [:]
    var firstNanos: Int64 = 0
    var lastNanos: Int64 = 0

    /// One direction's bytes and what natctl has read of them.
    struct Direction {
        var nextSequence: UInt32?
        var buffer: [UInt8] = []
        var mode = Mode.multistream
        var lines: [String] = []
        var noiseFrames = 0
        var synCount = 0

        enum Mode { case multistream, noise, opaque }
    }

    var dialer: TransportAddress? { synSenders.first }

    /// The endpoint that is not `endpoint`.
    func other(than endpoint: TransportAddress) -> TransportAddress? { directions.keys.first { $0 != endpoint } }
}

enum TCPConversations {
    struct Key: Hashable {
        var interface: Int
        var low: TransportAddress
        var high: TransportAddress
    }

    /// Every connection seen, and per frame what libp2p message its data completed.
    static func read(_ packets: [DecodedPacket]) -> (conversations: [TCPConversation], notes: [Int: String]) {
        var conversations: [Key: TCPConversation] = [:]
        var order: [Key] = []
        var notes: [Int: String] = [:]
        for packet in packets {
            guard let segment = packet.tcp, let (source, destination) = packet.tcpEndpoints else { continue }
            let key = Key(interface: packet.interface, low: min(source, destination), high: max(source, destination))
            if conversations[key] == nil {
                order.append(key)
                var fresh = TCPConversation(interface: packet.interface)
                fresh.firstNanos = packet.timestampNanos
                fresh.directions[source] = .init()
                fresh.directions[destination] = .init()
                conversations[key] = fresh
            }
            guard var conversation = conversations[key] else { continue }
            conversation.frames.append(packet.frame)
            conversation.lastNanos = packet.timestampNanos
            var direction = conversation.directions[source] ?? .init()
            if segment.flags.contains(.syn) {
                direction.synCount += 1
                direction.nextSequence = segment.sequence &+ 1
                if segment.flags.contains(.ack) {
                    conversation.synAckFrom = conversation.synAckFrom ?? source
                } else if !conversation.synSenders.contains(source) {
                    conversation.synSenders.append(source)
                }
            }
            if segment.flags.contains(.rst), conversation.resetFrom == nil { conversation.resetFrom = source }
            if !segment.payload.isEmpty {
                let dialer = conversation.dialer.map { $0 == source }
                if let note = take(segment, into: &direction, fromDialer: dialer) { notes[packet.frame] = note }
            }
            conversation.directions[source] = direction
            conversations[key] = conversation
        }
        return (order.compactMap { conversations[$0] }, notes)
    }

    /// Appends the segment's data in order (a retransmission is skipped, a gap ends the reading)
    /// and parses what it completes. The buffer stays bounded: multistream-select lines are at
    /// most 1 KiB, a Noise frame at most 64 KiB, and complete ones are taken off at once.
    private static func take(_ segment: TCPSegment, into direction: inout TCPConversation.Direction, fromDialer: Bool?) -> String? {
        guard direction.mode != .opaque else { return nil }
        let expected = direction.nextSequence ?? segment.sequence
        guard segment.sequence == expected else {
            // Before what we have: a retransmission, already read. After: the capture lost data.
            if Int32(bitPattern: segment.sequence &- expected) > 0 { direction.mode = .opaque }
            return nil
        }
        direction.nextSequence = segment.sequence &+ UInt32(segment.payload.count)
        direction.buffer += segment.payload
        var read: [String] = []
        var transport = 0
        while direction.mode != .opaque {
            if direction.mode == .multistream {
                do {
                    guard let (text, length) = try Multistream.parse(direction.buffer) else { break }
                    direction.buffer.removeFirst(length)
                    direction.lines.append(text)
                    read.append(text)
                } catch {
                    // After "/noise", the next bytes are Noise frames; anything else is not libp2p.
                    direction.mode = direction.lines.last == "/noise" ? .noise : .opaque
                    if direction.mode == .opaque { direction.buffer = [] }
                }
            } else {
                guard let (_, length) = try? NoiseFrame.parse(direction.buffer) else { break }
                direction.buffer.removeFirst(length)
                direction.noiseFrames += 1
                if let label = handshakeLabel(direction.noiseFrames, fromDialer: fromDialer, length: length - 2) {
                    read.append(label)
                } else {
                    transport += 1
                }
            }
        }
        var parts: [String] = []
        let lines = read.filter { !$0.hasPrefix("Noise") }
        if !lines.isEmpty { parts.append("multistream-select \(lines.joined(separator: ", "))") }
        parts += read.filter { $0.hasPrefix("Noise") }
        if transport > 0 { parts.append("Noise transport, \(counted(transport, "frame")) (encrypted)") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// The Noise XX handshake's messages: the dialer sends 1 and 3, the listener 2.
    private static func handshakeLabel(_ index: Int, fromDialer: Bool?, length: Int) -> String? {
        switch (fromDialer, index) {
        case (true?, 1): "Noise handshake message 1 of 3 (e, \(length) bytes)"
        case (false?, 1): "Noise handshake message 2 of 3 (e, ee, s, es and the identity, \(length) bytes)"
        case (true?, 2): "Noise handshake message 3 of 3 (s, se and the identity, \(length) bytes)"
        case (nil, 1), (nil, 2): "Noise handshake message (\(length) bytes)"
        default: nil
        }
    }
}
