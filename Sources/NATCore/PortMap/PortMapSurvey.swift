import NATWire

/// What the gateway offers for port mapping, as `probe` reports it: each protocol asked at
/// once, none creating anything unless `mode` is `.map` (Tailscale users found netcheck's
/// mappings-as-a-side-effect surprising; here a test mapping is asked for by name).
public enum PortMapSurvey {
    public enum Mode: String, Sendable, Codable, CaseIterable {
        /// Skip the gateway.
        case off
        /// Ask what is offered and the external address; create nothing.
        case ask
        /// Also create a short test mapping per protocol, then delete it.
        case map
    }

    public static func run(gateway given: IPAddress?, mode: Mode, limit: Duration) async -> PortMapReport {
        let started = ContinuousClock.now
        var report = PortMapReport(mode: mode)
        guard mode != .off else { return report }
        let gateway: DefaultGateway
        do { gateway = try DefaultGateway.find(given: given) } catch {
            report.error = error.report
            return report
        }
        report.gateway = gateway.address.description
        report.localAddress = gateway.localAddress.description
        report.protocols = await withTaskGroup(of: PortMapReport.ProtocolResult.self) { group in
            for kind in PortMapProtocol.allCases {
                group.addTask { await ask(kind, gateway: gateway, mode: mode, limit: limit) }
            }
            var results: [PortMapReport.ProtocolResult] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.protocol < $1.protocol }
        }
        borrowPCPAddress(&report.protocols)
        report.warnings = warnings(report.protocols)
        report.durationMilliseconds = (ContinuousClock.now - started).millisecondsDouble
        return report
    }

    /// How long the first exchange of each protocol may wait. A gateway on the LAN answers
    /// NAT-PMP and PCP within milliseconds and a unicast M-SEARCH at once (a multicast one within
    /// MX = 1 s); a gateway without the protocol often stays silent, and probe should not wait
    /// its whole timeout on that.
    static let firstAnswerLimit = Duration.seconds(1)

    /// One protocol: does it answer, with which external address, and (mode `.map`) does a mapping work.
    static func ask(_ kind: PortMapProtocol, gateway: DefaultGateway, mode: Mode, limit: Duration) async -> PortMapReport.ProtocolResult {
        let started = ContinuousClock.now
        let first = min(limit, firstAnswerLimit)
        // Every step shares the one deadline (probe's --timeout).
        let deadline = started + limit
        let left = { max(.milliseconds(1), deadline - ContinuousClock.now) }
        var result = PortMapReport.ProtocolResult(protocol: kind)
        let mapper: any PortMapper
        do {
            switch kind {
            case .natpmp:
                let natpmp = NATPMPGateway(gateway: gateway)
                mapper = natpmp
                result.note(try await natpmp.externalAddress(limit: first))
            case .pcp:
                let pcp = PCPGateway(gateway: gateway)
                mapper = pcp
                let answer = try await pcp.announce(limit: first)
                result.answered = true
                result.detail = "epoch \(answer.epoch) s"
            case .upnp:
                let upnp = try await UPnPClient.discover(gateway: gateway, limit: first)
                mapper = upnp
                result.answered = true
                result.detail = upnp.summary
                result.note(try await upnp.externalAddress(limit: left()))
            }
        } catch {
            result.fail(error)
            result.durationMilliseconds = (ContinuousClock.now - started).millisecondsDouble
            return result
        }
        if mode == .map { await testMapping(mapper, into: &result, limit: left()) }
        result.durationMilliseconds = (ContinuousClock.now - started).millisecondsDouble
        return result
    }

    /// A 60-second UDP mapping of a random high port, deleted at once: proves the gateway maps,
    /// and gives PCP's external address. Making it shares `limit`; deleting it gets at least
    /// half a second more, so a slow add does not leave a mapping behind.
    static func testMapping(_ mapper: any PortMapper, into result: inout PortMapReport.ProtocolResult, limit: Duration) async {
        let port = UInt16.random(in: 40000...59999)
        let deadline = ContinuousClock.now + limit
        do {
            let mapping = try await mapper.add(PortMapRequest(transport: .udp, internalPort: port, lifetimeSeconds: 60, description: "natctl probe test"), limit: limit)
            result.testMapping = mapping
            if result.externalAddress == nil, let external = mapping.externalAddress { result.note(external) }
            do {
                try await mapper.delete(mapping, limit: max(.milliseconds(500), deadline - ContinuousClock.now))
                result.testMappingDeleted = true
            } catch {
                result.testMappingDeleted = false
                // A gateway that takes only permanent leases (UPnP 725) keeps it until deleted.
                let expiry = mapping.lifetimeSeconds == 0 ? "it stays until deleted by hand" : "it expires in \(mapping.lifetimeSeconds) s"
                result.testMappingError = ReportError(code: error.kind.rawValue, message: "the test mapping was made but not deleted (\(expiry)): \(error.message)")
            }
        } catch {
            result.testMappingError = error.report
        }
    }

    /// PCP's ANNOUNCE carries no address, but NAT-PMP and PCP share port 5351 and one server
    /// answers both (RFC 6887 §9, Appendix A): NAT-PMP's address is PCP's, and a NAT-PMP
    /// refusal to name one (NETWORK_FAILURE on a private WAN) holds for PCP too. Any other
    /// NAT-PMP error (a PCP-only server's version refusal) says nothing about PCP.
    static func borrowPCPAddress(_ results: inout [PortMapReport.ProtocolResult]) {
        guard let pcp = results.firstIndex(where: { $0.protocol == .pcp && $0.answered && $0.error == nil && $0.externalAddress == nil }),
            let natpmp = results.first(where: { $0.protocol == .natpmp && $0.answered })
        else { return }
        if let address = natpmp.externalAddress.flatMap(IPAddress.init) {
            results[pcp].note(address)
            results[pcp].detail = [results[pcp].detail, "external address from NAT-PMP (one server answers both on port 5351)"].compactMap { $0 }.joined(separator: "; ")
        } else if let refusal = natpmp.error, natpmp.resultCode == Int(NATPMPResult.networkFailure.code) {
            results[pcp].error = ReportError(
                code: refusal.code,
                message: "the same server (port 5351) gave NAT-PMP no external address, so PCP has none to map to: \(refusal.message)")
            results[pcp].gatewayCode = natpmp.gatewayCode
            results[pcp].resultCode = natpmp.resultCode
        }
    }

    /// Plain-words cautions: an address nobody can reach, or gateways that disagree.
    static func warnings(_ results: [PortMapReport.ProtocolResult]) -> [String] {
        var warnings: [String] = []
        for result in results {
            if let address = result.externalAddress, result.externalIsPublic == false {
                let kind = IPAddress(address)?.isCarrierShared == true ? "carrier-grade NAT shared space (RFC 6598)" : "a private range"
                warnings.append("\(result.protocol.displayName) gives external address \(address), in \(kind): a mapping there is useless, another NAT stands between the gateway and the internet")
            }
        }
        let refusing = results.filter { $0.answered && $0.usable == false }
        if !refusing.isEmpty && !results.contains(where: { $0.usable != false }) {
            warnings.append("the gateway answers \(refusing.map(\.protocol.displayName).joined(separator: ", ")) but cannot map to the internet: it probably has no public address (a carrier-grade NAT or another router in front of it)")
        }
        let addresses = Set(results.compactMap(\.externalAddress))
        if addresses.count > 1 { warnings.append("the protocols disagree on the external address: \(addresses.sorted().joined(separator: ", "))") }
        return warnings
    }
}
