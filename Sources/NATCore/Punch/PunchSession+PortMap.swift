import NATWire

extension PunchSession {
    /// Asks the gateway to map the main socket's port (PCP, then NAT-PMP, then UPnP) for the
    /// run, and offers the mapping as a candidate. A failure is a warning: punching goes on.
    func mapGatewayPort(_ main: STUNTransport) async {
        let limit = Duration.milliseconds(1500)
        let gateway: DefaultGateway
        do { gateway = try DefaultGateway.find(given: configuration.gateway) } catch {
            report.warnings.append("no port mapping: \(error.message)")
            return
        }
        let lifetime = UInt32(min(86_400, max(120, configuration.timeout.milliseconds / 1000 + Int(configuration.hold.milliseconds / 1000) + 60)))
        let request = PortMapRequest(transport: .udp, internalPort: main.localAddress.port, lifetimeSeconds: lifetime, description: "natctl punch")
        let added = await PortMapSelection.add(request, kinds: PortMapSelection.automaticOrder, gateway: gateway, limit: limit)
        guard let mapper = added.mapper, let mapping = added.mapping else {
            let reasons = added.attempts.map { "\($0.protocol.displayName): \($0.error.message)" }.joined(separator: "; ")
            report.warnings.append("no port mapping: \(reasons)")
            return
        }
        gatewayMapping = (mapper, mapping)
        report.portMapping = mapping
        // NAT-PMP's mapping answer has no address: the server saw the same public IP.
        guard let external = mapping.externalAddress ?? hint?.reflexive.ip else { return }
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
