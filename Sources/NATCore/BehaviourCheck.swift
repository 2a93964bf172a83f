import NATWire

/// What a quick RFC 5780 check observed about the NAT between this host and one server.
public struct BehaviourObservation: Sendable, Encodable {
    public static let schema = "natctl.behaviour-check/2"
    public var schema = BehaviourObservation.schema
    /// Whether any Binding request was answered.
    public var udp: Bool
    /// `endpoint-independent`, `address-dependent` or `address-and-port-dependent`; null when undecided.
    @Nullable public var mapping: String?
    /// The same three values for filtering; null when undecided.
    @Nullable public var filtering: String?
    /// The reflexive addresses seen by the primary, alternate-IP and alternate-IP-and-port tests.
    public var mappedAddresses: [String] = []
    /// One line per test: what was sent and what came back.
    public var evidence: [String] = []
    /// Whether our datagram to our own mapped address came back (RFC 5780 §4.5); null when not tested.
    @Nullable public var hairpin: Bool?
    /// How long the idle test left a mapping idle, in milliseconds; null when not tested.
    @Nullable public var idleMs: Double?
    /// Whether the server's answer reached a mapping idle 0.5 s (the control); null when not tested or no mapping.
    @Nullable public var aliveAfterControl: Bool?
    /// Whether it reached a mapping idle `idle_seconds`; false proves the mapping expired.
    @Nullable public var aliveAfterIdle: Bool?

}

/// The RFC 5780 mapping tests I–III and filtering tests I–III, run in sequence against one
/// server with an alternate address. `lab verify` uses it to prove a lab NAT does what its label
/// says; the full classifier (`natctl classify`) builds on the same tests with confidence and timing.
public enum BehaviourCheck {
    /// Six copies, so an answer lost every time at 10% loss each way is a 1-in-20,000 event;
    /// waits start short because lab paths are short, and double to cover `--delay` labs.
    public static let policy = RetransmissionPolicy(rto: .milliseconds(50), maxTransmissions: 6, finalWaitMultiplier: 4)

    /// - Parameters:
    ///   - hairpin: also send to our own mapped address and see whether the NAT loops it back.
    ///   - idle: also prove that a mapping idle this long is gone (see `IdleCheckMachine`).
    public static func run(server: TransportAddress, hairpin testHairpin: Bool = false, idle: Duration? = nil) async -> BehaviourObservation {
        var observation = BehaviourObservation(udp: false)
        guard let mappingSocket = try? await STUNTransport.bind(TransportAddress(ip: .unspecified(server.ip.family), port: 0))
        else {
            observation.evidence.append("cannot open a UDP socket")
            return observation
        }
        defer { Task { await mappingSocket.close() } }
        guard let first = await binding(mappingSocket, server, note: "mapping test I", into: &observation) else {
            return observation
        }
        observation.udp = true
        guard let other = first.message.alternateServerAddress else {
            observation.evidence.append("server sent no OTHER-ADDRESS; mapping and filtering cannot be told")
            return observation
        }
        let m1 = first.reflexiveAddress
        let m2 = await binding(mappingSocket, TransportAddress(ip: other.ip, port: server.port), note: "mapping test II", into: &observation).flatMap(\.reflexiveAddress)
        let m3 = await binding(mappingSocket, other, note: "mapping test III", into: &observation).flatMap(\.reflexiveAddress)
        observation.mappedAddresses = [m1, m2, m3].compactMap { $0?.description }
        if let m1, let m2 {
            if m1 == m2 {
                observation.mapping = "endpoint-independent"
            } else if let m3 {
                observation.mapping = m2 == m3 ? "address-dependent" : "address-and-port-dependent"
            }
        }
        observation.filtering = await filtering(server, into: &observation)
        // Last, so the ICMP errors a non-hairpinning NAT answers with cannot disturb the other tests.
        if testHairpin, m1 != nil {
            observation.hairpin = await hairpin(mappingSocket, server: server, into: &observation)
        }
        if let idle {
            await self.idle(idle, server: server, roundTrip: first.rtt, into: &observation)
        }
        return observation
    }

    /// Filtering tests from a fresh socket, so the mapping tests' contacts do not open the filter.
    private static func filtering(_ server: TransportAddress, into observation: inout BehaviourObservation) async -> String? {
        guard let socket = try? await STUNTransport.bind(TransportAddress(ip: .unspecified(server.ip.family), port: 0)),
            await binding(socket, server, note: "filtering test I", into: &observation) != nil
        else { return nil }
        defer { Task { await socket.close() } }
        if await binding(socket, server, change: ChangeRequest(changeIP: true, changePort: true), note: "filtering test II", into: &observation) != nil {
            return "endpoint-independent"
        }
        if await binding(socket, server, change: ChangeRequest(changeIP: false, changePort: true), note: "filtering test III", into: &observation) != nil {
            return "address-dependent"
        }
        return "address-and-port-dependent"
    }

    private static func binding(
        _ socket: STUNTransport, _ destination: TransportAddress, change: ChangeRequest? = nil, note: String,
        into observation: inout BehaviourObservation
    ) async -> TransactionResponse? {
        var request = STUNMessage(type: .bindingRequest)
        if let change { request.append(change) }
        let what = change.map { " with CHANGE-REQUEST(ip: \($0.changeIP), port: \($0.changePort))" } ?? ""
        do {
            let response = try await socket.transaction(request, to: destination, policy: policy)
            let seen = response.reflexiveAddress?.description ?? "no mapped address"
            observation.evidence.append("\(note): to \(destination)\(what): answered from \(response.source), mapped \(seen)")
            return response.message.type.messageClass == .successResponse ? response : nil
        } catch {
            observation.evidence.append("\(note): to \(destination)\(what): \(error)")
            return nil
        }
    }

}
