import NATWire

/// How `UPnPGateway.add` gets a mapping past the usual refusals:
/// - 718 ConflictInMappingEntry (another host holds the port): IGD:2 asks AddAnyPortMapping to
///   pick a free one; IGD:1 tries a few random high ports.
/// - 725 OnlyPermanentLeasesSupported (IGD:1 gateways that only take lease 0): retry with 0,
///   which the granted mapping then reports as "until deleted".
struct UPnPMappingAttempts {
    let gateway: UPnPGateway
    let request: PortMapRequest
    let deadline: ContinuousClock.Instant

    /// Random ports an IGD:1 gateway is asked for after a conflict.
    static let conflictRetries = 3
    static let randomPorts: ClosedRange<UInt16> = 20_000...60_000

    func run() async throws(PortMapError) -> PortMapping {
        guard request.internalPort != 0 else { throw PortMapError(.refused, "internal port 0 cannot be mapped") }
        var externalPort = request.suggestedExternalPort != 0 ? request.suggestedExternalPort : request.internalPort
        var lease = request.lifetimeSeconds
        var anyPort = false
        var conflicts = 0
        while true {
            let soap = SOAPRequest.addPortMapping(
                gateway.service.type, anyPort: anyPort, externalPort: externalPort, transport: request.transport, internalPort: request.internalPort,
                internalClient: gateway.localAddress, description: request.description, leaseSeconds: lease)
            let what = "\(soap.action) of \(request.transport.upnpName) port \(externalPort) to \(gateway.localAddress):\(request.internalPort)"
            switch try await gateway.perform(soap, deadline: deadline) {
            case .success(let arguments):
                if anyPort {
                    guard let reserved = arguments["NewReservedPort"].flatMap({ UInt16($0) }), reserved != 0 else {
                        throw PortMapError(.malformedAnswer, "AddAnyPortMapping answered without a usable NewReservedPort")
                    }
                    externalPort = reserved
                }
                return await granted(externalPort: externalPort, lease: lease)
            case .fault(let fault) where fault.code == UPnPErrorCode.onlyPermanentLeasesSupported && lease != 0:
                lease = 0
            case .fault(let fault) where fault.code == UPnPErrorCode.conflictInMappingEntry && !anyPort:
                conflicts += 1
                if gateway.service.type.hasAddAnyPortMapping {
                    anyPort = true
                } else if conflicts <= Self.conflictRetries {
                    externalPort = UInt16.random(in: Self.randomPorts)
                } else {
                    throw UPnPGateway.refusal(fault, what: what + " (after \(Self.conflictRetries) other ports also conflicted)")
                }
            case .fault(let fault):
                throw UPnPGateway.refusal(fault, what: what)
            }
        }
    }

    /// The mapping as granted, with the external address asked separately (nil when that fails:
    /// the mapping exists either way).
    private func granted(externalPort: UInt16, lease: UInt32) async -> PortMapping {
        let external = try? await gateway.externalAddress(deadline: deadline)
        return PortMapping(
            protocol: .upnp, transport: request.transport, internalAddress: gateway.localAddress, internalPort: request.internalPort,
            externalAddress: external, externalPort: externalPort, lifetimeSeconds: lease, description: request.description)
    }
}
