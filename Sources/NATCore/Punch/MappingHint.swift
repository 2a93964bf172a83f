import NATWire

/// What a punch peer learns about its own NAT before registering: its server-reflexive
/// address and whether its mapping is endpoint-independent, sequential or random. Two Binding
/// requests from the punch socket, to the server's primary address and to its RFC 5780
/// OTHER-ADDRESS (another IP and port), tell the three apart, as classify's mapping test does.
public struct MappingHint: Sendable {
    public var reflexive: TransportAddress
    public var mapping: PunchMapping
    /// The port a sequential NAT should hand out next, as a candidate for the peer to check.
    public var predicted: TransportAddress?
    public var serverRTT: Duration

    /// Steps larger than this count as random: sequential NATs step by 1 or 2, sometimes a few more.
    static let largestSequentialStep = 16

    /// Pure: the hint from the two observed mappings (the second nil when the server has no
    /// OTHER-ADDRESS) and whether the first equals the socket's own address (no NAT).
    public static func judge(first: TransportAddress, second: TransportAddress?, local: Bool) -> (PunchMapping, TransportAddress?) {
        if local { return (PunchMapping(.endpointIndependent), nil) }
        guard let second else { return (PunchMapping(.unknown), nil) }
        if second == first { return (PunchMapping(.endpointIndependent), nil) }
        let step = Int(second.port) - Int(first.port)
        guard second.ip == first.ip, step != 0, abs(step) <= largestSequentialStep, let next = UInt16(exactly: Int(second.port) + step) else {
            return (PunchMapping(.random), nil)
        }
        return (PunchMapping(.sequential, step: Int16(step)), TransportAddress(ip: second.ip, port: next))
    }

    /// Asks `server` (and its OTHER-ADDRESS, when it advertises one) from `transport`.
    public static func observe(
        on transport: STUNTransport, server: TransportAddress, localAddresses: Set<IPAddress>
    ) async throws(TransactionError) -> MappingHint {
        let policy = RetransmissionPolicy(rto: .milliseconds(200), maxTransmissions: 5, finalWaitMultiplier: 4)
        let first = try await transport.transaction(STUNMessage(type: .bindingRequest), to: server, policy: policy, limit: .seconds(3))
        guard let reflexive = first.reflexiveAddress else {
            throw .sendFailed(server: server, reason: "its Binding response has no XOR-MAPPED-ADDRESS")
        }
        var second: TransportAddress?
        if let other = try? first.message.attribute(OtherAddress.self)?.address {
            second = try? await transport.transaction(STUNMessage(type: .bindingRequest), to: other, policy: policy, limit: .seconds(2))
                .reflexiveAddress
        }
        let local = localAddresses.contains(reflexive.ip) && reflexive.port == transport.localAddress.port
        let (mapping, predicted) = judge(first: reflexive, second: second, local: local)
        return MappingHint(reflexive: reflexive, mapping: mapping, predicted: predicted, serverRTT: first.rtt)
    }
}

/// The host's own addresses worth offering as host candidates: not loopback, link-local or
/// unspecified, which no peer can reach.
public enum HostCandidates {
    static let unreachable: [IPPrefix] = ["0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "::/128", "::1/128", "fe80::/10"]

    public static func addresses(_ all: Set<IPAddress> = LocalInterfaces.addresses()) -> [IPAddress] {
        all.filter { ip in !unreachable.contains { $0.contains(ip) } }.sorted { $0.description < $1.description }
    }
}
