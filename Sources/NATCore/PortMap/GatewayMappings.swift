import NATWire

/// Mappings made for one run (classify's dial-back through the gateway), all deleted at the
/// end: the gateway is found once, and each port tries PCP, NAT-PMP, then UPnP.
public actor GatewayMappings {
    private let given: IPAddress?
    private var gateway: DefaultGateway?
    private var made: [(mapper: any PortMapper, mapping: PortMapping)] = []
    private var warnings: [String] = []
    private let limit = Duration.milliseconds(1500)

    public init(gateway: IPAddress?) { self.given = gateway }

    /// Maps `port` and returns the external port, or nil (with a warning) when no protocol would.
    public func map(_ transport: MappedTransport, port: UInt16, lifetimeSeconds: UInt32 = 120) async -> UInt16? {
        do throws(PortMapError) {
            let found: DefaultGateway
            if let gateway { found = gateway } else { found = try DefaultGateway.find(given: given) }
            gateway = found
            let request = PortMapRequest(transport: transport, internalPort: port, lifetimeSeconds: lifetimeSeconds, description: "natctl dial-back")
            let added = await PortMapSelection.add(request, kinds: PortMapSelection.automaticOrder, gateway: found, limit: limit)
            guard let mapper = added.mapper, let mapping = added.mapping else {
                warnings.append("no mapping for \(transport.rawValue) port \(port): " + added.attempts.map { "\($0.protocol.displayName): \($0.error.message)" }.joined(separator: "; "))
                return nil
            }
            made.append((mapper, mapping))
            return mapping.externalPort
        } catch {
            warnings.append("no mapping for \(transport.rawValue) port \(port): \(error.message)")
            return nil
        }
    }

    /// Deletes every mapping made; returns them and the warnings gathered.
    public func deleteAll() async -> (mappings: [PortMapping], warnings: [String]) {
        for (mapper, mapping) in made {
            do { try await mapper.delete(mapping, limit: limit) } catch {
                warnings.append("the mapping of \(mapping.transport.rawValue) port \(mapping.internalPort) could not be deleted (it expires in \(mapping.lifetimeSeconds) s): \(error.message)")
            }
        }
        let result = (made.map(\.mapping), warnings)
        made = []
        return result
    }
}
