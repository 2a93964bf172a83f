import NATWire

/// The gateway's PCP server (RFC 6887): MAP and ANNOUNCE, from the host's own address (PCP
/// refuses a client address that differs from the packet's source: ADDRESS_MISMATCH).
public struct PCPGateway: PortMapper {
    public let gateway: DefaultGateway
    public var kind: PortMapProtocol { .pcp }

    public init(gateway: DefaultGateway) { self.gateway = gateway }

    /// PCP has no "what is my address" request: the address comes only in a MAP answer.
    public func externalAddress(limit: Duration) async throws(PortMapError) -> IPAddress {
        throw PortMapError(.unsupported, "PCP tells the external address only in a mapping's answer (probe --portmap makes one)")
    }

    /// ANNOUNCE: whether a PCP server answers, and its epoch, without creating anything.
    public func announce(limit: Duration) async throws(PortMapError) -> PCPResponse {
        let answer = try await exchange(PCPRequest.announce(client: gateway.localAddress), limit: limit) { $0.opcode == .announce }
        guard answer.result == .success else { throw refusal(answer.result, asking: "ANNOUNCE") }
        return answer
    }

    public func add(_ request: PortMapRequest, limit: Duration) async throws(PortMapError) -> PortMapping {
        try await map(request, nonce: (0..<12).map { _ in UInt8.random(in: 0...255) }, limit: limit)
    }

    /// A renewal must repeat the nonce, or the server sees another client's request (§11.3).
    public func renew(_ mapping: PortMapping, lifetimeSeconds: UInt32, limit: Duration) async throws(PortMapError) -> PortMapping {
        let request = PortMapRequest(transport: mapping.transport, internalPort: mapping.internalPort, suggestedExternalPort: mapping.externalPort, lifetimeSeconds: lifetimeSeconds)
        return try await map(request, nonce: mapping.nonce ?? [], limit: limit)
    }

    public func delete(_ mapping: PortMapping, limit: Duration) async throws(PortMapError) {
        let nonce = mapping.nonce ?? []
        let answer = try await exchange(
            PCPRequest.map(client: gateway.localAddress, nonce: nonce, transport: mapping.transport, internalPort: mapping.internalPort, suggestedExternalPort: 0, lifetimeSeconds: 0),
            limit: limit
        ) { $0.opcode == .map && ($0.map.map { $0.nonce == nonce } ?? true) }
        guard answer.result == .success else { throw refusal(answer.result, asking: "to delete the mapping of port \(mapping.internalPort)") }
    }

    public func list(limit: Duration) async throws(PortMapError) -> [PortMapping] {
        throw PortMapError(.unsupported, "PCP cannot list mappings (RFC 6887 has no such request); UPnP can")
    }

    private func map(_ request: PortMapRequest, nonce: [UInt8], limit: Duration) async throws(PortMapError) -> PortMapping {
        guard request.lifetimeSeconds > 0 else { throw PortMapError(.refused, "a mapping needs a lifetime above 0 s (0 deletes)") }
        let answer = try await exchange(
            PCPRequest.map(
                client: gateway.localAddress, nonce: nonce, transport: request.transport, internalPort: request.internalPort,
                suggestedExternalPort: request.suggestedExternalPort, lifetimeSeconds: request.lifetimeSeconds),
            limit: limit
        ) { $0.opcode == .map && ($0.map.map { $0.nonce == nonce } ?? true) }
        guard answer.result == .success, let granted = answer.map else {
            throw refusal(answer.result, asking: "to map \(request.transport.rawValue) port \(request.internalPort)")
        }
        return PortMapping(
            protocol: .pcp, transport: request.transport, internalAddress: gateway.localAddress, internalPort: granted.internalPort,
            externalAddress: granted.externalAddress, externalPort: granted.externalPort, lifetimeSeconds: answer.lifetimeSeconds, nonce: nonce)
    }

    private func exchange(_ request: [UInt8], limit: Duration, matches: @escaping @Sendable (PCPResponse) -> Bool) async throws(PortMapError) -> PCPResponse {
        let gatewayAddress = gateway.address
        let outcome = try await GatewayExchange.run(request, to: gatewayAddress, from: gateway.localAddress, limit: limit) { bytes -> Result<PCPResponse, PortMapError>? in
            // A NAT-PMP-only gateway answers a PCP request in NAT-PMP's format (RFC 6887 §9).
            if bytes.first == 0, let old = try? NATPMPMessage.decode(bytes) {
                return .failure(PortMapError(.unsupported, "the gateway speaks NAT-PMP, not PCP (it answered version 0, \(old.result))", gatewayCode: "UNSUPP_VERSION"))
            }
            do {
                let response = try PCPResponse.decode(bytes)
                return matches(response) ? .success(response) : nil
            } catch {
                return .failure(PortMapError(.malformedAnswer, "PCP answer from \(gatewayAddress) does not parse: \(error)"))
            }
        }
        return try outcome.get()
    }

    private func refusal(_ result: PCPResult, asking what: String) -> PortMapError {
        var message = "the gateway refused \(what): PCP result \(result)"
        if result.code == 8 || result.code == 7 { message += " (it may have no usable external address: often a private or carrier-NAT WAN)" }
        return PortMapError(.refused, message, gatewayCode: result.description, resultCode: Int(result.code))
    }
}
