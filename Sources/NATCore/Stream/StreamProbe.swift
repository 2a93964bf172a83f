import NATWire

/// `probe --transport tcp|tls`: whether each STUN server is reachable over TCP (its port) and
/// TLS (`tlsPort`), and what it sees of the connection, beside the UDP probe. A network that
/// blocks UDP shows here as "UDP: no answer; TCP 3478 and TLS 5349 reach the server", which
/// tells a user that TURN over TCP or TLS will get through where nothing else does.
public enum StreamProbe {
    public struct Target: Sendable {
        public var server: ServerSpec
        public var transport: ServerTransport
        /// The port to connect to (the server's own for TCP, the TLS port for TLS).
        public var port: UInt16

        public init(server: ServerSpec, transport: ServerTransport, port: UInt16) {
            self.server = server
            self.transport = transport
            self.port = port
        }
    }

    /// Connects to every target at once (names resolved once each, first address of the family
    /// asked for) and sends one Binding request over each connection.
    public static func run(_ targets: [Target], family: IPAddress.Family?, limit: Duration) async -> [ProbeReport.StreamResult] {
        let names = Array(Set(targets.map(\.server.host)))
        let resolved = await ServerSpec.resolveAll(names.map { ServerSpec(host: $0) }, limit: limit)
        var addresses: [String: Result<[IPAddress], ResolveError>] = [:]
        for (name, result) in zip(names, resolved) { addresses[name] = result }
        return await withTaskGroup(of: (Int, ProbeReport.StreamResult).self) { group in
            for (index, target) in targets.enumerated() {
                let resolution = addresses[target.server.host] ?? .failure(.notFound(host: target.server.host, reason: "not resolved"))
                group.addTask { (index, await check(target, resolution: resolution, family: family, limit: limit)) }
            }
            var results: [Int: ProbeReport.StreamResult] = [:]
            for await (index, result) in group { results[index] = result }
            return targets.indices.compactMap { results[$0] }
        }
    }

    private static func check(
        _ target: Target, resolution: Result<[IPAddress], ResolveError>, family: IPAddress.Family?, limit: Duration
    ) async -> ProbeReport.StreamResult {
        var result = ProbeReport.StreamResult(server: target.server.description, transport: target.transport.reportName, port: Int(target.port))
        let ips: [IPAddress]
        switch resolution {
        case .success(let found): ips = found
        case .failure(let error):
            result.error = error.description
            return result
        }
        guard let ip = ips.first(where: { family == nil || $0.family == family }) else {
            result.error = "no \(family?.rawValue ?? "") address"
            return result
        }
        let address = TransportAddress(ip: ip, port: target.port)
        result.address = address.description
        let started = ContinuousClock.now
        let transport: STUNTransport
        do {
            transport = try await STUNTransport.connect(to: address, over: target.transport, limit: limit)
        } catch {
            result.error = error.description
            return result
        }
        result.connectMs = (ContinuousClock.now - started).millisecondsDouble
        do {
            let response = try await transport.transaction(STUNMessage(type: .bindingRequest), to: address, limit: limit)
            result.reachable = true
            result.mapped = response.reflexiveAddress?.description
            result.rttMs = response.rtt.millisecondsDouble
        } catch {
            result.error = "connected, but the Binding request got no answer: \(error)"
        }
        await transport.close()
        return result
    }
}

extension ProbeReport {
    /// One server over TCP or TLS (`probe --transport`).
    public struct StreamResult: Sendable, Encodable {
        /// The server as named, the transport (`tcp`, `tls`, `tls-insecure`) and the port tried.
        public var server: String
        public var transport: String
        public var port: Int
        /// The address connected to; null when the name did not resolve.
        @Nullable public var address: String?
        /// Whether a Binding request over the connection was answered.
        public var reachable = false
        /// What the server saw of the connection (its source address and port).
        @Nullable public var mapped: String?
        /// Time to connect (and finish the TLS handshake), and the Binding round trip over it.
        @Nullable public var connectMs: Double?
        @Nullable public var rttMs: Double?
        @Nullable public var error: String?

        public init(server: String, transport: String, port: Int) {
            self.server = server
            self.transport = transport
            self.port = port
        }
    }
}
