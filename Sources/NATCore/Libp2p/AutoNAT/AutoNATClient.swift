import Libp2pWire
import NATWire
import NIOConcurrencyHelpers

/// `classify --autonat`: natctl listens on TCP with a fresh identity, connects to each node,
/// learns from identify where the node sees it, and asks the node's AutoNAT service (v1) to
/// dial back that IP at the listening port (and the local address). Its listener records every
/// connection that arrives, so an OK is believed only when the dial-back really came.
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
            listen: options.listen, identity: identity, agentVersion: "natctl", handlers: [:],
            onConnection: { arrivals.record($0.remotePeer) })
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
            let observed = try await connection.identify(deadline: deadline).observedAddr
            result.observed = observed.map { "\($0)" }
            var asked: [TransportAddress] = []
            if let ip = observed?.tcpAddress?.ip { asked.append(TransportAddress(ip: ip, port: host.listenAddress.port)) }
            let local = TransportAddress(ip: host.listenAddress.ip.isUnspecified ? connection.localAddress.ip : host.listenAddress.ip, port: host.listenAddress.port)
            if !asked.contains(local) { asked.append(local) }
            result.asked = asked.map { "\(Multiaddr(tcp: $0))" }
            let since = arrivals.count(from: connection.remotePeer)
            let stream = try await connection.openStream(AutoNATMessage.protocolID, deadline: deadline)
            try stream.sendMessage(AutoNATMessage.dial(host.peerID, addrs: asked.map { Multiaddr(tcp: $0).bytes }).encoded)
            let answer = try await stream.readMessage("reading the dial response", maximum: AutoNATMessage.maximumLength, deadline: deadline)
            let response: AutoNATMessage.Response?
            do { response = try AutoNATMessage(encoded: answer).response } catch { throw .malformed(error) }
            guard let response else { throw .malformed(Libp2pDecodeError("AutoNAT Message", "no dialResponse")) }
            result.status = response.status.name
            result.statusText = response.statusText
            result.dialedAddr = response.addr.flatMap { try? Multiaddr(bytes: $0) }.map { "\($0)" }
            result.dialBackArrived = await arrivals.wait(from: connection.remotePeer, beyond: since, within: response.status == .ok ? arrivalGrace : .zero)
        } catch {
            result.error = error.description
            result.errorCode = error.code
        }
        result.ms = (ContinuousClock.now - started).millisecondsDouble
        result.judge()
        return result
    }

    /// Connections that reached the listener, counted by peer, for a request to wait on.
    final class Arrivals: Sendable {
        private struct State {
            var counts: [PeerID: Int] = [:]
            /// One mailbox per waiting request (a mailbox has one reader).
            var waiters: [PeerID: [ObjectIdentifier: Mailbox<Void>]] = [:]
        }

        private let state = NIOLockedValueBox(State())

        func record(_ peer: PeerID) {
            let waiting = state.withLockedValue { state in
                state.counts[peer, default: 0] += 1
                return Array(state.waiters[peer, default: [:]].values)
            }
            for mailbox in waiting { mailbox.push(()) }
        }

        func count(from peer: PeerID) -> Int { state.withLockedValue { $0.counts[peer, default: 0] } }

        /// Whether more than `since` connections from `peer` arrived, waiting up to `within`.
        func wait(from peer: PeerID, beyond since: Int, within limit: Duration) async -> Bool {
            let mailbox = Mailbox<Void>()
            let key = ObjectIdentifier(mailbox)
            state.withLockedValue { $0.waiters[peer, default: [:]][key] = mailbox }
            defer { state.withLockedValue { $0.waiters[peer]?[key] = nil } }
            let deadline = ContinuousClock.now + limit
            while count(from: peer) <= since {
                guard ContinuousClock.now < deadline, await mailbox.next(within: deadline - .now) != nil else { return count(from: peer) > since }
            }
            return true
        }
    }
}

extension Libp2pConnection {
    /// Asks the peer to identify itself on a new stream.
    public func identify(deadline: ContinuousClock.Instant) async throws(Libp2pError) -> IdentifyMessage {
        let stream = try await openStream(IdentifyMessage.protocolID, deadline: deadline)
        let message = try await stream.readMessage("reading identify", maximum: IdentifyMessage.maximumLength, deadline: deadline)
        do { return try IdentifyMessage(encoded: message) } catch { throw .malformed(error) }
    }
}
