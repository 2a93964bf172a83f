import Foundation
@testable import NATCore
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

    /// The IPv6 branch: raw sends with the kernel's checksum, the filter's IPv6 path.
    @Test func bindingFromASharedPortOverIPv6() async throws {
        guard let server = try? await STUNServer.start(ServerLayout(primary: TransportAddress("[::1]:0")!)) else {
            Issue.record("IPv6 loopback unavailable; cannot test the shared port over IPv6 here")
            return
        }
        let owner = try await UDPInbox.bind(ip: "::1")
        defer { Task { try? await owner.channel.close() } }
        let shared = try await STUNTransport.sharingPort(owner.port, family: .ipv6)
        let response = try await shared.transaction(STUNMessage(type: .bindingRequest), to: server.layout.primary, policy: Self.quick)
        #expect(try response.message.attribute(XORMappedAddress.self)?.address == TransportAddress(ip: IPAddress("::1")!, port: owner.port))
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
        // The capture keeps arrival order: had the initiation (sent first) been captured, it
        // would come before the ChannelData, so no wait for something not to happen is needed.
        #expect(try await seen.next() == channelData)
        #expect(try await seen.next() == indication)
        for _ in 0..<3 { _ = try await owner.queue.next() }
        await shared.close()
        try await sender.channel.close()
    }
}

/// What the packet socket hands on: whole UDP datagrams only.
@Suite struct SharedPortCaptureParseTests {
    static func ipv4(payload: [UInt8], udpLengthExtra: Int = 0) -> [UInt8] {
        let udpLength = 8 + payload.count + udpLengthExtra
        var packet: [UInt8] = [0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0, 198, 51, 100, 7, 10, 0, 0, 2]
        packet += [0xca, 0x6c, 0x0f, 0xa0, UInt8(udpLength >> 8), UInt8(udpLength & 0xff), 0, 0] + payload
        return packet
    }

    @Test func wholeDatagramsAreHandedOnWithTheirSource() throws {
        let (source, payload) = try #require(SharedPortCapture.parse(Self.ipv4(payload: [1, 2, 3])[...]))
        #expect(source == TransportAddress("198.51.100.7:51820"))
        #expect(payload == [1, 2, 3])
        // A slice that does not start at 0 (offsets count from its own start).
        #expect(SharedPortCapture.parse(([9, 9] + Self.ipv4(payload: [1, 2, 3]))[2...])?.1 == [1, 2, 3])
        // Ethernet padding after the datagram is not payload.
        #expect(SharedPortCapture.parse((Self.ipv4(payload: [1, 2, 3]) + [0, 0])[...])?.1 == [1, 2, 3])
        var v6: [UInt8] = [0x60, 0, 0, 0, 0, 11, 17, 64] + [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [9] + [UInt8](repeating: 0, count: 16)
        v6 += [0xca, 0x6c, 0x0f, 0xa0, 0, 11, 0, 0, 4, 5, 6]
        let (source6, payload6) = try #require(SharedPortCapture.parse(v6[...]))
        #expect(source6 == TransportAddress("[2001:db8::9]:51820"))
        #expect(payload6 == [4, 5, 6])
    }

    /// A first fragment (or a short capture) says more bytes than it has: dropped, not cut.
    @Test func cutDatagramsAreDropped() {
        #expect(SharedPortCapture.parse(Self.ipv4(payload: [1, 2, 3], udpLengthExtra: 100)[...]) == nil)
        let whole = Self.ipv4(payload: [UInt8](repeating: 7, count: 40))
        for length in 0..<whole.count { #expect(SharedPortCapture.parse(whole.prefix(length)) == nil) }
    }
}
