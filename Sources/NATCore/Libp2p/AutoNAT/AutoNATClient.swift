import Libp2pWire
import NATWire
import NIOConcurrencyHelpers

/// `classify --autonat`: natctl listens on TCP with a fresh identity, connects to each node,
/// learns from identify where the node sees it, and asks the node's AutoNAT service (v2 when it
/// offers it, else v1) to dial back that IP at the listening port (and the local address). Its
/// listener records what arrives (v1: connections by the node's IP; v2: nonces on dial-back streams), so
/// an OK is believed only when the dial-back really came.
public enum AutoNATClient {
    public struct Options: Sendable {
        public var listen: TransportAddress
        public var threshold: Int
        public var limit: Duration

        public init(listen: TransportAddress, threshold: Int, limit: Duration) {
            (self.listen, self.threshold, self.limit) = (listen, threshold, limit)
        }
    }

    /// How long after an OK natctl still waits for the dial-back's connection to finish its
    /// upgrade on our side (the node may answer just before we register it).
    static let arrivalGrace = Duration.seconds(1)

    public static func run(_ nodes: [Multiaddr], options: Options) async throws -> AutoNATReport {
        let identity = Libp2pIdentity()
        let arrivals = Arrivals()
        let host = try await Libp2pHost.start(
            listen: options.listen, identity: identity, agentVersion: "natctl",
            handlers: [AutoNATv2Message.dialBackProtocol: { stream in await takeDialBack(stream, arrivals: arrivals) }],
            onConnection: { arrivals.record("ip \($0.remoteAddress.ip)") })
        var report = AutoNATReport(listen: "\(host.listenAddress)", threshold: options.threshold)
        report.nodes = await withTaskGroup(of: (Int, AutoNATNodeResult).self) { group in
            for (index, node) in nodes.enumerated() {
                group.addTask { (index, await ask(node, host: host, arrivals: arrivals, limit: options.limit)) }
            }
            var results: [Int: AutoNATNodeResult] = [:]
            for await (index, result) in group { results[index] = result }
            return nodes.indices.compactMap { results[$0] }
        }
        await host.stop()
        report.decide()
        return report
    }

    /// Connects, learns our observed address, and asks by v2 when the node offers it, else v1.
    static func ask(_ node: Multiaddr, host: Libp2pHost, arrivals: Arrivals, limit: Duration) async -> AutoNATNodeResult {
        var result = AutoNATNodeResult(address: "\(node)")
        let started = ContinuousClock.now
        let deadline = started + limit
        do throws(Libp2pError) {
            let connection = try await Libp2pUpgrade.dial(node, identity: host.identity, limit: limit, maximumInboundStreams: 16)
            result.peerID = "\(connection.remotePeer)"
            let served = Task { await host.serve(connection) }
            defer {
                served.cancel()
                Task { await connection.close() }
            }
            let identify = try await connection.identify(deadline: deadline)
            result.observed = identify.observedAddr.map { "\($0)" }
            var asked: [TransportAddress] = []
            if let ip = identify.observedAddr?.tcpAddress?.ip { asked.append(TransportAddress(ip: ip, port: host.listenAddress.port)) }
            let local = host.listenAddress(over: connection)
            if !asked.contains(local) { asked.append(local) }
            result.asked = asked.map { "\(Multiaddr(tcp: $0))" }
            if identify.protocols.contains(AutoNATv2Message.dialRequestProtocol) {
                try await askV2(connection, asked: asked, arrivals: arrivals, deadline: deadline, into: &result)
            } else {
                try await askV1(connection, asked: asked, host: host, arrivals: arrivals, deadline: deadline, into: &result)
            }
        } catch {
            result.error = error.description
            result.errorCode = error.code
        }
        result.ms = (ContinuousClock.now - started).millisecondsDouble
        result.judge()
        return result
    }

    /// v1: a DIAL for our addresses; the evidence is a new connection from the node's IP.
    static func askV1(
        _ connection: Libp2pConnection, asked: [TransportAddress], host: Libp2pHost, arrivals: Arrivals, deadline: ContinuousClock.Instant,
        into result: inout AutoNATNodeResult
    ) async throws(Libp2pError) {
        result.version = "v1"
        // By IP, not peer ID: go-libp2p dials back from a separate host with a key of its own.
        let key = "ip \(connection.remoteAddress.ip)"
        let since = arrivals.count(key)
        let stream = try await connection.openStream(AutoNATMessage.protocolID, deadline: deadline)
        try stream.sendMessage(AutoNATMessage.dial(host.peerID, addrs: asked.map { Multiaddr(tcp: $0).bytes }).encoded)
        let answer = try await stream.readMessage("reading the dial response", maximum: AutoNATMessage.maximumLength, deadline: deadline)
        let response: AutoNATMessage.Response?
        do { response = try AutoNATMessage(encoded: answer).response } catch { throw .malformed(error) }
        guard let response else { throw .malformed(Libp2pDecodeError("AutoNAT Message", "no dialResponse")) }
        result.status = response.status.name
        result.statusText = response.statusText
        result.dialedAddr = response.addr.flatMap { try? Multiaddr(bytes: $0) }.map { "\($0)" }
        result.dialBackArrived = await arrivals.wait(key, beyond: since, within: response.status == .ok ? arrivalGrace : .zero)
    }

    /// Dial data natctl agrees to send when a v2 server asks (the spec's servers ask 30–100 kB).
    static let maximumDialData: UInt64 = 100_000

    /// v2: a DialRequest with a random nonce; the evidence is that nonce on a dial-back stream.
    static func askV2(
        _ connection: Libp2pConnection, asked: [TransportAddress], arrivals: Arrivals, deadline: ContinuousClock.Instant,
        into result: inout AutoNATNodeResult
    ) async throws(Libp2pError) {
        result.version = "v2"
        let nonce = UInt64.random(in: 1...UInt64.max)
        let key = "nonce \(nonce)"
        let stream = try await connection.openStream(AutoNATv2Message.dialRequestProtocol, deadline: deadline)
        try stream.sendMessage(AutoNATv2Message.dialRequest(addrs: asked.map { Multiaddr(tcp: $0).bytes }, nonce: nonce).encoded)
        while true {
            let message = try await stream.readMessage("reading the v2 dial response", maximum: AutoNATv2Message.maximumLength, deadline: deadline)
            let decoded: AutoNATv2Message
            do { decoded = try AutoNATv2Message(encoded: message) } catch { throw .malformed(error) }
            switch decoded {
            case .dialDataRequest(_, let numBytes):
                guard numBytes <= maximumDialData else {
                    stream.reset()
                    throw .refused("dial data of \(numBytes) bytes (natctl sends at most \(maximumDialData))")
                }
                let chunk = AutoNATv2Message.dialDataResponse(data: [UInt8](repeating: 0, count: AutoNATv2Message.maximumDataChunk)).encoded
                var sent: UInt64 = 0
                while sent < numBytes {
                    try stream.sendMessage(chunk)
                    sent += UInt64(AutoNATv2Message.maximumDataChunk)
                    _ = await stream.waitUntilWritable(below: 64 * 1024, deadline: deadline)
                }
                result.dialDataBytes = Int(sent)
            case .dialResponse(let status, let index, let dialStatus):
                result.status = status.name
                result.dialStatus = status == .ok ? dialStatus.name : nil
                result.dialedAddr = status == .ok && Int(index) < asked.count ? "\(Multiaddr(tcp: asked[Int(index)]))" : nil
                result.dialBackArrived = await arrivals.wait(key, beyond: 0, within: status == .ok && dialStatus == .ok ? arrivalGrace : .zero)
                return
            case .dialRequest, .dialDataResponse:
                throw .malformed(Libp2pDecodeError("AutoNAT v2 Message", "a client's message from the server"))
            }
        }
    }

    /// The listener's side of a v2 dial-back: takes the nonce, answers OK.
    static func takeDialBack(_ stream: Libp2pStream, arrivals: Arrivals) async {
        guard let message = try? await stream.readMessage("reading a dial-back", maximum: 64, deadline: .now + .seconds(10)),
            let nonce = try? AutoNATv2Message.nonce(ofDialBack: message)
        else { return stream.reset() }
        arrivals.record("nonce \(nonce)")
        try? stream.sendMessage(AutoNATv2Message.dialBackResponseOK)
        stream.closeWrite()
    }

    /// What reached the listener, counted by key (`ip A` for v1 connections, `nonce N` for v2
    /// dial-backs), for a request to wait on.
    final class Arrivals: Sendable {
        private struct State {
            var counts: [String: Int] = [:]
            /// One mailbox per waiting request (a mailbox has one reader).
            var waiters: [String: [ObjectIdentifier: Mailbox<Void>]] = [:]
        }

        private let state = NIOLockedValueBox(State())

        func record(_ key: String) {
            let waiting = state.withLockedValue { state in
                state.counts[key, default: 0] += 1
                return Array(state.waiters[key, default: [:]].values)
            }
            for mailbox in waiting { mailbox.push(()) }
        }

        func count(_ key: String) -> Int { state.withLockedValue { $0.counts[key, default: 0] } }

        /// Whether more than `since` arrivals under `key` came, waiting up to `within`.
        func wait(_ key: String, beyond since: Int, within limit: Duration) async -> Bool {
            let mailbox = Mailbox<Void>()
            let id = ObjectIdentifier(mailbox)
            state.withLockedValue { $0.waiters[key, default: [:]][id] = mailbox }
            defer { state.withLockedValue { $0.waiters[key]?[id] = nil } }
            let deadline = ContinuousClock.now + limit
            while count(key) <= since {
                guard ContinuousClock.now < deadline, await mailbox.next(within: deadline - .now) != nil else { return count(key) > since }
            }
            return true
        }
    }
}
