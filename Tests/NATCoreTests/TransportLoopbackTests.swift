import NATCore
import NATServer
import NATWire
import NIOCore
import NIOPosix
import Testing

/// The transaction layer and the server against each other on loopback (127.0.0.1 and
/// 127.0.0.2 give the two RFC 5780 IPs without root).
@Suite struct TransportLoopbackTests {
    static let anyV4 = TransportAddress("127.0.0.1:0")!
    static let quick = RetransmissionPolicy(rto: .milliseconds(50), maxTransmissions: 4, finalWaitMultiplier: 2)

    /// A server whose rate limit does not get in the way: these tests load one source IP on
    /// purpose (AmplificationLoopbackTests checks the limit itself).
    private func withServer<T>(
        alternate: Bool = true, _ body: (STUNServer) async throws -> T
    ) async throws -> T {
        var rates = AnswerRates()
        rates.stunPerSecond = 10_000
        let server = try await STUNServer.start(
            ServerLayout(primary: Self.anyV4, alternate: alternate ? TransportAddress("127.0.0.2:0")! : nil), rates: rates)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    @Test func bindingOverLoopbackReportsTheClientSocket() async throws {
        try await withServer { server in
            let client = try await STUNTransport.bind(Self.anyV4)
            defer { Task { await client.close() } }
            let response = try await client.transaction(STUNMessage(type: .bindingRequest), to: server.layout.primary, policy: Self.quick)
            #expect(try response.message.attribute(XORMappedAddress.self)?.address == client.localAddress)
            #expect(response.source == server.layout.primary)
            #expect(response.transmissions == 1)
            #expect(response.message.checkFingerprint() == .valid)
        }
    }

    @Test(arguments: [(true, false), (false, true), (true, true)])
    func changeRequestIsAnsweredFromTheRequestedSocket(changeIP: Bool, changePort: Bool) async throws {
        try await withServer { server in
            let client = try await STUNTransport.bind(Self.anyV4)
            defer { Task { await client.close() } }
            var request = STUNMessage(type: .bindingRequest)
            request.append(ChangeRequest(changeIP: changeIP, changePort: changePort))
            let response = try await client.transaction(request, to: server.layout.primary, policy: Self.quick)
            let expected = server.layout.address(of: SocketRole.primary.changed(ip: changeIP, port: changePort))
            #expect(response.source == expected, "the datagram itself must come from the changed socket")
            #expect(try response.message.attribute(ResponseOrigin.self)?.address == expected)
            #expect(try response.message.attribute(OtherAddress.self)?.address == server.layout.alternate)
        }
    }

    @Test func responsePortDeliversToTheOtherClientSocket() async throws {
        try await withServer { server in
            let sender = try await STUNTransport.bind(Self.anyV4)
            let receiver = try await UDPInbox.bind()
            defer { Task { await sender.close(); await receiver.close() } }
            var request = STUNMessage(type: .bindingRequest)
            request.append(ResponsePort(receiver.port))
            // The answer goes elsewhere, so the sender's own transaction must time out...
            await #expect(throws: TransactionError.self) {
                try await sender.transaction(request, to: server.layout.primary, policy: Self.quick, limit: .milliseconds(300))
            }
            // ...while the receiver got it, naming the sender's mapping.
            let datagram = try await receiver.next()
            let response = try STUNMessage(decoding: datagram.bytes)
            #expect(response.transactionID == request.transactionID)
            #expect(try response.message(XORMappedAddress.self) == sender.localAddress)
        }
    }

    @Test func singleAddressServerRefusesChangeRequestWith420() async throws {
        try await withServer(alternate: false) { server in
            let client = try await STUNTransport.bind(Self.anyV4)
            defer { Task { await client.close() } }
            var request = STUNMessage(type: .bindingRequest)
            request.append(ChangeRequest(changeIP: true, changePort: true))
            let response = try await client.transaction(request, to: server.layout.primary, policy: Self.quick)
            #expect(response.message.type == .bindingError)
            #expect(try response.message.attribute(ErrorCode.self)?.code == 420)
            let plain = try await client.transaction(STUNMessage(type: .bindingRequest), to: server.layout.primary, policy: Self.quick)
            #expect(!plain.message.contains(.otherAddress))
        }
    }

    @Test func manyConcurrentTransactionsShareOneSocket() async throws {
        try await withServer { server in
            let client = try await STUNTransport.bind(Self.anyV4)
            defer { Task { await client.close() } }
            let targets = server.layout.addresses
            let matched = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<200 {
                    let request = STUNMessage(type: .bindingRequest)
                    group.addTask {
                        let response = try await client.transaction(request, to: targets[index % targets.count], policy: Self.quick)
                        return response.message.transactionID == request.transactionID
                            && response.source == targets[index % targets.count]
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(matched == 200)
        }
    }

    @Test func unansweredRequestIsRetransmittedThenTimesOut() async throws {
        let silent = try await UDPInbox.bind()
        let client = try await STUNTransport.bind(Self.anyV4)
        defer { Task { await client.close(); await silent.close() } }
        let target = TransportAddress(ip: IPAddress("127.0.0.1")!, port: silent.port)
        await #expect(throws: TransactionError.self) {
            try await client.transaction(STUNMessage(type: .bindingRequest), to: target, policy: Self.quick)
        }
        // Four transmissions of the same transaction reached the silent peer.
        var ids: [TransactionID] = []
        for _ in 0..<4 { ids.append(try STUNMessage(decoding: try await silent.next().bytes).transactionID) }
        #expect(Set(ids).count == 1)
    }

    @Test func lostRequestsAreRecoveredByRetransmission() async throws {
        let lossy = try await LossyServer.start(dropFirst: 2)
        let client = try await STUNTransport.bind(Self.anyV4)
        defer { Task { await client.close(); await lossy.close() } }
        // Generous timing: under a loaded test run the server task may answer late; the point is
        // that the first two copies were dropped and a later one got through.
        let patient = RetransmissionPolicy(rto: .milliseconds(100), maxTransmissions: 6, finalWaitMultiplier: 20)
        let response = try await client.transaction(STUNMessage(type: .bindingRequest), to: lossy.address, policy: patient)
        #expect(response.transmissions >= 3)
        #expect(try response.message.attribute(XORMappedAddress.self)?.address == client.localAddress)
    }

    @Test func limitCutsTheWaitShort() async throws {
        let silent = try await UDPInbox.bind()
        let client = try await STUNTransport.bind(Self.anyV4)
        defer { Task { await client.close(); await silent.close() } }
        let target = TransportAddress(ip: IPAddress("127.0.0.1")!, port: silent.port)
        do {
            _ = try await client.transaction(STUNMessage(type: .bindingRequest), to: target, policy: .rfc8489, limit: .milliseconds(100))
            Issue.record("a silent peer cannot answer")
        } catch {
            guard case .timedOut(_, let transmissions, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(transmissions == 1, "a 100 ms limit ends before the 500 ms retransmission")
        }
    }

    @Test func ipv6LoopbackWorksWhenAvailable() async throws {
        guard let server = try? await STUNServer.start(ServerLayout(primary: TransportAddress("[::1]:0")!)) else {
            // Reported, not silent: some CI containers have no ::1.
            Issue.record("IPv6 loopback unavailable; cannot test IPv6 transactions here")
            return
        }
        let client = try await STUNTransport.bind(TransportAddress("[::1]:0")!)
        let response = try await client.transaction(STUNMessage(type: .bindingRequest), to: server.layout.primary, policy: Self.quick)
        #expect(try response.message.attribute(XORMappedAddress.self)?.address == client.localAddress)
        await client.close()
        await server.stop()
    }
}

extension STUNMessage {
    /// Test shorthand: a typed address attribute's address.
    func message<T: XORAddressAttribute>(_ type: T.Type) throws -> TransportAddress? { try attribute(type)?.address }
}
