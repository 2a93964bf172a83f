import NATWire
import NIOCore
import NIOPosix

/// A discovered UPnP IGD and the WAN connection service natctl drives: every call is one or a
/// few SOAP actions over HTTP to the service's control URL.
public struct UPnPGateway: PortMapper, Equatable {
    public var kind: PortMapProtocol { .upnp }
    /// Where the device description was fetched (the SSDP LOCATION).
    public var location: HTTPURL
    /// The SSDP SERVER header ("OS/version UPnP/1.1 product/version").
    public var server: String?
    public var friendlyName: String?
    public var modelName: String?
    /// The service used, with its resolved control URL.
    public var service: UPnPService
    /// The address the SSDP answer came from.
    public var gatewayAddress: IPAddress
    /// This host's address toward the gateway: NewInternalClient of every mapping.
    public var localAddress: IPAddress

    public init(
        location: HTTPURL, server: String?, friendlyName: String?, modelName: String?, service: UPnPService, gatewayAddress: IPAddress,
        localAddress: IPAddress
    ) {
        self.location = location
        self.server = server
        self.friendlyName = friendlyName
        self.modelName = modelName
        self.service = service
        self.gatewayAddress = gatewayAddress
        self.localAddress = localAddress
    }

    public func externalAddress(limit: Duration) async throws(PortMapError) -> IPAddress {
        try await externalAddress(deadline: .now + limit)
    }

    public func add(_ request: PortMapRequest, limit: Duration) async throws(PortMapError) -> PortMapping {
        try await UPnPMappingAttempts(gateway: self, request: request, deadline: .now + limit).run()
    }

    public func delete(_ mapping: PortMapping, limit: Duration) async throws(PortMapError) {
        let request = SOAPRequest.deletePortMapping(service.type, externalPort: mapping.externalPort, transport: mapping.transport)
        _ = try await call(request, deadline: .now + limit, what: "delete of \(mapping.transport.upnpName) port \(mapping.externalPort)")
    }

    /// GetGenericPortMappingEntry from index 0 until the gateway says the index is past the end
    /// (713 or 714), bounded at `maximumListed` entries. Past index 0 any fault ends the list:
    /// some gateways mark the end with 501 or 402 instead; at index 0 it is a refusal.
    public func list(limit: Duration) async throws(PortMapError) -> [PortMapping] {
        let deadline = ContinuousClock.now + limit
        var mappings: [PortMapping] = []
        for index in 0..<Self.maximumListed {
            let answer = try await perform(SOAPRequest.getGenericPortMappingEntry(service.type, index: index), deadline: deadline)
            switch answer {
            case .success(let arguments):
                if let mapping = Self.listedMapping(arguments) { mappings.append(mapping) }
            case .fault(let fault)
            where index > 0 || fault.code == UPnPErrorCode.specifiedArrayIndexInvalid || fault.code == UPnPErrorCode.noSuchEntryInArray:
                return mappings
            case .fault(let fault):
                throw Self.refusal(fault, what: "listing entry \(index)")
            }
        }
        return mappings
    }

    /// The most entries `list` reads: a bound against a gateway that never says "no such entry".
    public static let maximumListed = 100

    static func listedMapping(_ arguments: [String: String]) -> PortMapping? {
        guard let externalPort = arguments["NewExternalPort"].flatMap({ UInt16($0) }),
            let transport = arguments["NewProtocol"].flatMap({ MappedTransport(rawValue: $0.lowercased()) }),
            let internalPort = arguments["NewInternalPort"].flatMap({ UInt16($0) }),
            let internalAddress = arguments["NewInternalClient"].flatMap({ IPAddress($0) })
        else { return nil }
        return PortMapping(
            protocol: .upnp, transport: transport, internalAddress: internalAddress, internalPort: internalPort, externalAddress: nil,
            externalPort: externalPort, lifetimeSeconds: arguments["NewLeaseDuration"].flatMap { UInt32($0) } ?? 0,
            description: arguments["NewPortMappingDescription"])
    }

    func externalAddress(deadline: ContinuousClock.Instant) async throws(PortMapError) -> IPAddress {
        let arguments = try await call(.getExternalIPAddress(service.type), deadline: deadline, what: "GetExternalIPAddress")
        guard let text = arguments["NewExternalIPAddress"], !text.isEmpty else {
            throw PortMapError(.refused, "the gateway has no external address (empty NewExternalIPAddress): its WAN link is down or has a private address (another NAT in front of it)")
        }
        guard let address = IPAddress(text) else {
            throw PortMapError(.malformedAnswer, "the gateway's NewExternalIPAddress \(text.debugDescription) is not an IP address")
        }
        return address
    }

    /// One action whose fault is an error.
    func call(_ request: SOAPRequest, deadline: ContinuousClock.Instant, what: String) async throws(PortMapError) -> [String: String] {
        switch try await perform(request, deadline: deadline) {
        case .success(let arguments): return arguments
        case .fault(let fault): throw Self.refusal(fault, what: what)
        }
    }

    /// One action; a fault is a value, for callers that react to its code.
    func perform(_ request: SOAPRequest, deadline: ContinuousClock.Instant) async throws(PortMapError) -> SOAPResponse {
        let url = service.controlURL
        let http = try await UPnPHTTPClient.exchange(HTTPRequest.soapPost(url, request), with: url, deadline: deadline)
        do {
            return try SOAPResponse(parsing: http.body, action: request.action)
        } catch {
            if http.status != 200 { throw PortMapError(.refused, "\(request.action) at \(url) answered HTTP \(http.status) \(http.reason)") }
            throw PortMapError(.malformedAnswer, "\(request.action) answer from \(url): \(error)")
        }
    }

    static func refusal(_ fault: UPnPFault, what: String) -> PortMapError {
        PortMapError(.refused, "the gateway refused \(what): \(fault)", gatewayCode: fault.label, resultCode: fault.code)
    }
}

extension UPnPGateway {
    /// One line for reports: who answered, which service, where.
    public var summary: String {
        let service = String(service.type.rawValue.split(separator: ":").suffix(2).joined(separator: ":"))
        let name = [friendlyName, server.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")
        return "\(name.isEmpty ? "IGD" : name), \(service) at \(self.service.controlURL)"
    }
}
