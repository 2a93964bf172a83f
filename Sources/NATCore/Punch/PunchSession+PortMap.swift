import NATWire

extension PunchSession {
    /// Asks the gateway to map the IPv4 socket's port (PCP, then NAT-PMP, then UPnP: IPv4
    /// gateways) for the run, and offers the mapping as a candidate. A failure is a warning:
    /// punching goes on.
    func mapGatewayPort() async {
        let limit = Duration.milliseconds(1500)
        guard let socket = sockets.prefix(2).compactMap({ $0 }).first(where: { $0.localAddress.ip.family == .ipv4 }) else {
            report.warnings.append("no port mapping: no IPv4 socket to map (UPnP, NAT-PMP and PCP gateways are asked over IPv4)")
            return
        }
        let gateway: DefaultGateway
        do { gateway = try DefaultGateway.find(given: configuration.gateway) } catch {
            report.warnings.append("no port mapping: \(error.message)")
            return
        }
        let lifetime = UInt32(min(86_400, max(120, configuration.timeout.milliseconds / 1000 + Int(configuration.hold.milliseconds / 1000) + 60)))
        let request = PortMapRequest(transport: .udp, internalPort: socket.localAddress.port, lifetimeSeconds: lifetime, description: "natctl punch")
        let added = await PortMapSelection.add(request, kinds: PortMapSelection.automaticOrder, gateway: gateway, limit: limit)
        guard let mapper = added.mapper, let mapping = added.mapping else {
            let reasons = added.attempts.map { "\($0.protocol.displayName): \($0.error.message)" }.joined(separator: "; ")
            report.warnings.append("no port mapping: \(reasons)")
            return
        }
        gatewayMapping = (mapper, mapping)
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
        guard let (mapper, mapping) = gatewayMapping else { return }
        gatewayMapping = nil
        do { try await mapper.delete(mapping, limit: .milliseconds(1500)) } catch {
            report.warnings.append("the port mapping could not be deleted (it expires in \(mapping.lifetimeSeconds) s): \(error.message)")
        }
    }
}
