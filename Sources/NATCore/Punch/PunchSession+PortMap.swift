import NATWire

extension PunchSession {
    /// Asks the gateway to map the IPv4 socket's port (PCP, then NAT-PMP, then UPnP: IPv4
    /// gateways) for the run, and offers the mapping as a candidate. A failure is a warning:
    /// punching goes on.
    func mapGatewayPort() async {
        guard let socket = sockets.prefix(2).compactMap({ $0 }).first(where: { $0.localAddress.ip.family == .ipv4 }) else {
            report.warnings.append("no port mapping: no IPv4 socket to map (UPnP, NAT-PMP and PCP gateways are asked over IPv4)")
            return
        }
        let lifetime = UInt32(min(86_400, max(120, configuration.timeout.milliseconds / 1000 + Int(configuration.hold.milliseconds / 1000) + 60)))
        let mappings = GatewayMappings(gateway: configuration.gateway, label: "natctl punch")
        gatewayMappings = mappings
        guard let mapping = await mappings.map(.udp, port: socket.localAddress.port, lifetimeSeconds: lifetime) else {
            report.warnings += await mappings.warnings
            return
        }
        report.portMapping = mapping
        // Only the gateway's own word: the server's view of us would hide a carrier NAT in front
        // of the gateway (a public reflexive address, a private gateway WAN).
        guard let external = mapping.externalAddress, external.family == .ipv4 else {
            report.warnings.append("the gateway mapped port \(mapping.externalPort) without telling its external address: not offered to the peer")
            return
        }
        if !external.isPubliclyRoutable {
            report.warnings.append("the gateway mapped \(external):\(mapping.externalPort), which is not public: not offered to the peer")
            return
        }
        let candidate = PunchCandidate(.portMapped, TransportAddress(ip: external, port: mapping.externalPort))
        localCandidates.insert(candidate, at: 0)
        report.localCandidates = localCandidates.map { "\($0.kind) \($0.address)" }
    }

    /// Deletes the run's gateway mapping, so nothing stays open after natctl.
    func releaseGatewayMapping() async {
        guard let mappings = gatewayMappings else { return }
        gatewayMappings = nil
        let before = await mappings.warnings.count
        _ = await mappings.deleteAll()
        report.warnings += await mappings.warnings.dropFirst(before)
    }
}
