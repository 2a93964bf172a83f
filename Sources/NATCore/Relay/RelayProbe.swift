import NATWire
import NIOConcurrencyHelpers

/// `natctl relay test`: allocate on a TURN server, echo datagrams through the relay, and
/// measure the relayed path.
///
/// Without a named peer the client is its own echo: a second local socket sends to the
/// relayed address first (so its NAT lets the relay's packets in, and the relay learns its
/// exact mapping from the Data indication), then echoes whatever arrives. That works behind
/// any NAT with no help from the server.
public enum RelayProbe {
    public struct Options: Sendable {
        public var server: TransportAddress
        public var credential: TURNCredential?
        /// An echo peer to use instead of the built-in one.
        public var peer: TransportAddress?
        /// Sequential echo round trips for the RTT figure.
        public var pings = 10
        /// The throughput burst: this many datagrams of `payloadBytes`, at `rate` per second.
        public var burstCount = 200
        public var payloadBytes = 1000
        public var rate = 1000
        public var timeout: Duration = .seconds(5)
        /// UDP, or TCP or TLS to the server.
        public var transport = ServerTransport.udp

        public init(server: TransportAddress, credential: TURNCredential?) {
            self.server = server
            self.credential = credential
        }
    }

    /// Runs the test. Allocation failures come back in the report's `error`, not thrown.
    public static func run(_ options: Options) async -> RelayTestReport {
        var report = RelayTestReport(server: options.server.description)
        report.transport = options.transport.reportName
        let started = ContinuousClock.now
        let client: TURNClient
        do {
            client = try await TURNClient.allocate(
                server: options.server, credential: options.credential, over: options.transport, limit: options.timeout)
        } catch {
            report.error = error.description
            report.errorCode = error.code
            switch error {
            case .transaction(.timedOut), .transaction(.connectFailed): report.noAnswer = true
            default: break
            }
            report.durationMs = (ContinuousClock.now - started).millisecondsDouble
            return report
        }
        report.allocation = .init(
            relayedAddress: client.relayedAddress.description, mappedAddress: client.mappedAddress?.description,
            lifetimeSeconds: Int(client.lifetime), allocateMs: client.allocationTime.millisecondsDouble,
            serverRttMs: client.allocateRTT.millisecondsDouble)
        let inbox = Mailbox<RelayedDatagram>()
        let pump = Task { for await datagram in client.received { inbox.push(datagram) } }
        var echo: SelfEcho?
        defer { pump.cancel() }
        do {
            let peer: TransportAddress
            if let named = options.peer {
                peer = named
                try await client.createPermission([named.ip])
                report.echoPeer = "\(named) (named)"
            } else {
                let selfEcho = try await SelfEcho.start(family: options.server.ip.family)
                echo = selfEcho
                peer = try await selfEcho.introduce(to: client, inbox: inbox, within: options.timeout)
                report.echoPeer = "\(peer) (this host's second socket)"
            }
            let number = try await client.bindChannel(to: peer)
            report.channel = Int(number)
            report.echo = await measure(client, peer: peer, inbox: inbox, options: options)
            if report.echo?.rttMs.isEmpty == true { report.error = "the echo peer \(peer) answered nothing through the relay" }
        } catch let error as TURNClientError {
            report.error = error.description
            report.errorCode = error.code
        } catch {
            report.error = "\(error)"
        }
        await echo?.close()
        await client.close()
        report.allocation?.serverRttMs = client.serverRTT.millisecondsDouble
        if let median = report.echo?.medianRttMs, let direct = report.allocation?.serverRttMs { report.addedRttMs = ((median - direct) * 1000).rounded() / 1000 }  // µs, no float noise
        report.durationMs = (ContinuousClock.now - started).millisecondsDouble
        return report
    }

    /// Sequential pings, then a paced burst; echoes are matched by the sequence number in
    /// their first 4 bytes.
    private static func measure(_ client: TURNClient, peer: TransportAddress, inbox: Mailbox<RelayedDatagram>, options: Options) async
        -> RelayTestReport.Echo
    {
        var echo = RelayTestReport.Echo()
        inbox.drain()
        let wait = min(options.timeout, .seconds(1))
        for ping in 0..<options.pings {
            let sent = ContinuousClock.now
            let tag = UInt32(0x5000_0000) | UInt32(ping)
            client.send(tagged(tag, size: 64), to: peer)
            while let reply = await inbox.next(within: wait) {
                if sequence(reply.data) == tag {
                    echo.rttMs.append((ContinuousClock.now - sent).millisecondsDouble)
                    break
                }
            }
        }
        guard !echo.rttMs.isEmpty, options.burstCount > 0 else { return echo }
        let interval = Duration.seconds(1) / max(1, options.rate)
        let start = ContinuousClock.now
        let receiver = Task { () -> (Set<UInt32>, ContinuousClock.Instant) in
            var seen = Set<UInt32>()
            var last = ContinuousClock.now
            while seen.count < options.burstCount, let reply = await inbox.next(within: wait) {
                if let tag = sequence(reply.data), tag < UInt32(options.burstCount) {
                    seen.insert(tag)
                    last = .now
                }
            }
            return (seen, last)
        }
        for index in 0..<options.burstCount {
            let due = start + interval * index
            if due > .now { try? await Task.sleep(until: due) }  // pacing the sender, not waiting on an event
            client.send(tagged(UInt32(index), size: max(4, options.payloadBytes)), to: peer)
        }
        let (received, last) = await receiver.value
        let elapsed = max((last - start).millisecondsDouble, 1)
        echo.burst = .init(
            sent: options.burstCount, echoed: received.count, payloadBytes: options.payloadBytes, ratePerSecond: options.rate,
            lossPercent: Double(options.burstCount - received.count) * 100 / Double(options.burstCount),
            echoedMbitPerSecond: Double(received.count * options.payloadBytes * 8) / elapsed / 1000)
        return echo
    }

    static func tagged(_ tag: UInt32, size: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0x2A, count: max(4, size))
        bytes[0] = UInt8(tag >> 24)
        bytes[1] = UInt8(tag >> 16 & 0xFF)
        bytes[2] = UInt8(tag >> 8 & 0xFF)
        bytes[3] = UInt8(tag & 0xFF)
        return bytes
    }

    static func sequence(_ bytes: [UInt8]) -> UInt32? {
        guard bytes.count >= 4 else { return nil }
        return UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
    }
}

/// The built-in echo peer: a second UDP socket on this host that returns every datagram to
/// its sender.
final class SelfEcho: Sendable {
    private let transport: STUNTransport

    private init(transport: STUNTransport) { self.transport = transport }

    static func start(family: IPAddress.Family) async throws -> SelfEcho {
        // The read callback needs the socket it is created with.
        let box = NIOLockedValueBox<STUNTransport?>(nil)
        let transport = try await STUNTransport.bind(TransportAddress(ip: .unspecified(family), port: 0)) { envelope in
            guard let source = TransportAddress(envelope.remoteAddress) else { return }
            box.withLockedValue { $0 }?.send(Array(envelope.data.readableBytesView), to: source)
        }
        box.withLockedValue { $0 = transport }
        return SelfEcho(transport: transport)
    }

    /// Permits this host's public IP, then sends hellos to the relayed address until the
    /// client hears one; returns the echo socket's address as the relay sees it.
    func introduce(to client: TURNClient, inbox: Mailbox<RelayedDatagram>, within limit: Duration) async throws -> TransportAddress {
        guard let mapped = client.mappedAddress else { throw TURNClientError.badResponse("Allocate success without XOR-MAPPED-ADDRESS") }
        try await client.createPermission([mapped.ip])
        let deadline = ContinuousClock.now + limit
        let hello = Array("natctl relay test hello".utf8)
        while ContinuousClock.now < deadline {
            transport.send(hello, to: client.relayedAddress)
            if let arrival = await inbox.next(within: .milliseconds(200)), arrival.data == hello { return arrival.peer }
        }
        throw TURNClientError.badResponse(
            "this host's echo socket could not reach the relayed address \(client.relayedAddress) (does the relay refuse \(mapped.ip) as a peer?)")
    }

    func close() async { await transport.close() }
}

