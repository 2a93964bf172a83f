import NATWire

/// Mappings made for one run (punch's candidate, classify's dial-back through the gateway),
/// all deleted at the end. The gateway is found once; the first port tries PCP, NAT-PMP, then
/// UPnP, and later ports go straight to the protocol that worked (no second SSDP discovery).
public actor GatewayMappings {
    private let given: IPAddress?
    private let label: String
    private var gateway: DefaultGateway?
    private var working: (any PortMapper)?
    private var made: [(mapper: any PortMapper, mapping: PortMapping)] = []
    /// Why a port got no mapping, or a mapping was not deleted.
    public private(set) var warnings: [String] = []
    private let limit = Duration.milliseconds(1500)

    /// `label`: UPnP's description of the mappings (the router's table shows it).
    public init(gateway: IPAddress?, label: String) {
        self.given = gateway
        self.label = label
    }

    /// Maps `port`, or returns nil (with a warning) when no protocol would.
    public func map(_ transport: MappedTransport, port: UInt16, lifetimeSeconds: UInt32 = 120) async -> PortMapping? {
        let request = PortMapRequest(transport: transport, internalPort: port, lifetimeSeconds: lifetimeSeconds, description: label)
        if let working, let mapping = try? await working.add(request, limit: limit) {
            made.append((working, mapping))
            return mapping
        }
        do throws(PortMapError) {
            let found: DefaultGateway
            if let gateway { found = gateway } else { found = try DefaultGateway.find(given: given) }
            gateway = found
            let added = await PortMapSelection.add(request, kinds: PortMapSelection.automaticOrder, gateway: found, limit: limit)
            guard let mapper = added.mapper, let mapping = added.mapping else {
                warnings.append("no port mapping for \(transport.rawValue) port \(port): \(PortMapSelection.reasons(added.attempts))")
                return nil
            }
            working = mapper
            made.append((mapper, mapping))
            return mapping
        } catch {
            warnings.append("no port mapping for \(transport.rawValue) port \(port): \(error.message)")
            return nil
        }
    }

    /// Deletes every mapping made; returns them.
    public func deleteAll() async -> [PortMapping] {
        for (mapper, mapping) in made {
            do { try await mapper.delete(mapping, limit: limit) } catch {
                warnings.append(
                    "the mapping of \(mapping.transport.rawValue) port \(mapping.internalPort) could not be deleted (it expires in \(mapping.lifetimeSeconds) s): \(error.message)")
            }
        }
        defer { made = [] }
        return made.map(\.mapping)
    }
}
