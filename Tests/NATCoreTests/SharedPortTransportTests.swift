import Foundation
import NATCore
import NATServer
import NATWire
import NIOCore
import NIOPosix
import Testing

/// STUN from a UDP port another socket owns (as WireGuard owns its port), on loopback: raw
/// sends and a packet-socket capture. Root (CAP_NET_RAW) is needed; CI has it.
@Suite(.enabled(if: getuid() == 0 || ProcessInfo.processInfo.environment["CI"] == "true", "needs CAP_NET_RAW"))
struct SharedPortTransportTests {
    static let quick = RetransmissionPolicy(rto: .milliseconds(100), maxTransmissions: 4, finalWaitMultiplier: 2)

    /// The owner socket stands for WireGuard: it holds the port, and the Binding sent through
    /// the shared-port transport comes back with that very port as the reflexive address. The
    /// owner gets the answer too (WireGuard would drop it), and its own traffic is untouched.
    @Test func bindingFromAPortAnotherSocketOwns() async throws {
        let owner = try await UDPInbox.bind()
        defer { Task { try? await owner.channel.close() } }
        var rates = AnswerRates()
        rates.stunPerSecond = 10_000
        let server = try await STUNServer.start(ServerLayout(primary: TransportAddress("127.0.0.1:0")!, alternate: nil), rates: rates)
        let shared = try await STUNTransport.sharingPort(owner.port, family: .ipv4)
        let response = try await shared.transaction(STUNMessage(type: .bindingRequest), to: server.layout.primary, policy: Self.quick)
        #expect(try response.message.attribute(XORMappedAddress.self)?.address == TransportAddress(ip: IPAddress("127.0.0.1")!, port: owner.port))
        #expect(response.message.checkFingerprint() == .valid)
        let copy = try await owner.queue.next()
        #expect(copy.source == server.layout.primary)
        #expect((try? STUNMessage(decoding: copy.bytes))?.transactionID == response.message.transactionID)
        await shared.close()
        await server.stop()
    }

    /// Datagrams to the port that are neither STUN nor ChannelData (WireGuard's own, type 1–4)
    /// never reach natctl; ChannelData and STUN from anyone do (they reach `onUnmatched`).
    @Test func onlySTUNAndChannelDataAreCaptured() async throws {
        let owner = try await UDPInbox.bind()
        defer { Task { try? await owner.channel.close() } }
        let seen = ArrivalQueue<[UInt8]>()
        let shared = try await STUNTransport.sharingPort(owner.port, family: .ipv4) { envelope in
            seen.push(Array(envelope.data.readableBytesView))
        }
        let sender = try await UDPInbox.bind()
        let wireGuardInitiation: [UInt8] = [1, 0, 0, 0] + [UInt8](repeating: 7, count: 144)
        let channelData: [UInt8] = [0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4]
        let indication = STUNMessage(type: STUNMessageType(method: .binding, messageClass: .indication)).encoded(fingerprint: true)
        for bytes in [wireGuardInitiation, channelData, indication] {
            try await sender.channel.writeAndFlush(AddressedEnvelope(remoteAddress: try SocketAddress(ipAddress: "127.0.0.1", port: Int(owner.port)), data: ByteBuffer(bytes: bytes)))
        }
        #expect(try await seen.next() == channelData)
        #expect(try await seen.next() == indication)
        // All three reached the owner, the initiation first: anything captured would have come before this.
        for _ in 0..<3 { _ = try await owner.queue.next() }
        await #expect(throws: InboxTimeout.self) { try await seen.next(limit: .milliseconds(200)) }
        await shared.close()
        try await sender.channel.close()
    }
}
