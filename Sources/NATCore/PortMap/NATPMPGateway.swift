import NATWire

/// The gateway's NAT-PMP server (RFC 6886): IPv4 only, no listing.
public struct NATPMPGateway: PortMapper {
    public let gateway: DefaultGateway
    public var kind: PortMapProtocol { .natpmp }

    public init(gateway: DefaultGateway) { self.gateway = gateway }

    public func externalAddress(limit: Duration) async throws(PortMapError) -> IPAddress {
        let answer = try await exchange(NATPMPMessage.externalAddressRequest(), limit: limit) {
            if case .externalAddress = $0 { true } else { false }
        }
        guard case .externalAddress(let result, _, let address) = answer, result == .success, let address else {
            throw refusal(answer.result, asking: "its external address")
        }
        return address
    }

    public func add(_ request: PortMapRequest, limit: Duration) async throws(PortMapError) -> PortMapping {
        guard request.lifetimeSeconds > 0 else { throw PortMapError(.refused, "a mapping needs a lifetime above 0 s (0 deletes)") }
        let started = ContinuousClock.now
        let answer = try await mappingExchange(request.transport, internalPort: request.internalPort, externalPort: request.suggestedExternalPort, lifetime: request.lifetimeSeconds, limit: limit)
        guard case .mapping(let result, _, _, _, let externalPort, let lifetime) = answer, result == .success else {
            throw refusal(answer.result, asking: "to map \(request.transport.rawValue) port \(request.internalPort)")
        }
        // The mapping answer carries no address (§3.3): ask for it, best effort, in the time left.
        let left = limit - (ContinuousClock.now - started)
        let external = left > .zero ? try? await externalAddress(limit: left) : nil
        return PortMapping(
            protocol: .natpmp, transport: request.transport, internalAddress: gateway.localAddress, internalPort: request.internalPort,
            externalAddress: external, externalPort: externalPort, lifetimeSeconds: lifetime)
    }

    public func delete(_ mapping: PortMapping, limit: Duration) async throws(PortMapError) {
        let answer = try await mappingExchange(mapping.transport, internalPort: mapping.internalPort, externalPort: 0, lifetime: 0, limit: limit)
        guard answer.result == .success else { throw refusal(answer.result, asking: "to delete the mapping of port \(mapping.internalPort)") }
    }

    public func list(limit: Duration) async throws(PortMapError) -> [PortMapping] {
        throw PortMapError(.unsupported, "NAT-PMP cannot list mappings (RFC 6886 has no such request); UPnP can")
    }

    private func mappingExchange(_ transport: MappedTransport, internalPort: UInt16, externalPort: UInt16, lifetime: UInt32, limit: Duration) async throws(PortMapError) -> NATPMPMessage {
        try await exchange(
            NATPMPMessage.mapRequest(transport: transport, internalPort: internalPort, suggestedExternalPort: externalPort, lifetimeSeconds: lifetime),
            limit: limit
        ) {
            guard case .mapping(let result, _, let answered, let port, _, _) = $0 else { return false }
            // An error answer may be cut short and carry no port.
            return answered == transport && (port == internalPort || result != .success)
        }
    }

    /// Sends and waits for the answer `matches` takes; an answer that does not parse ends the wait.
    private func exchange(_ request: [UInt8], limit: Duration, matches: @escaping @Sendable (NATPMPMessage) -> Bool) async throws(PortMapError) -> NATPMPMessage {
        let gatewayAddress = gateway.address
        let outcome = try await GatewayExchange.run(request, to: gatewayAddress, limit: limit) { bytes -> Result<NATPMPMessage, PortMapError>? in
            // A PCP-only server answers NAT-PMP in PCP's format (RFC 6887 §9): no NAT-PMP here.
            if bytes.first == PCPRequest.version {
                return .failure(PortMapError(.unsupported, "the gateway speaks PCP, not NAT-PMP (it answered version 2)", gatewayCode: "UNSUPP_VERSION"))
            }
            do {
                let message = try NATPMPMessage.decode(bytes)
                return matches(message) ? .success(message) : nil
            } catch {
                return .failure(PortMapError(.malformedAnswer, "NAT-PMP answer from \(gatewayAddress) does not parse: \(error)"))
            }
        }
        return try outcome.get()
    }

    private func refusal(_ result: NATPMPResult, asking what: String) -> PortMapError {
        var message = "the gateway refused \(what): NAT-PMP result \(result)"
        if result == .networkFailure { message += " (it has no usable external address: often a private or carrier-NAT WAN)" }
        return PortMapError(.refused, message, gatewayCode: result.description, resultCode: Int(result.code))
    }
}
