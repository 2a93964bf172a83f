import Foundation
import NATCore
import NATWire

/// What `lab verify` found: per site, the behaviour its packets showed against its label.
public struct LabVerification: Encodable, Sendable {
    public struct SiteResult: Encodable, Sendable {
        public var site: String
        public var behaviour: String
        /// The carrier NAT's behaviour when the site has one; the expectations combine both layers.
        @Nullable public var cgnat: String?
        /// Whether the site's host must get UDP answers (false when a layer is `udp-blocked`).
        public var expectedUdp: Bool
        public var observedUdp: Bool
        @Nullable public var expectedMapping: String?
        @Nullable public var observedMapping: String?
        @Nullable public var expectedFiltering: String?
        @Nullable public var observedFiltering: String?
        /// The public address servers must see (the edge's WAN, or the host itself for `none`).
        public var expectedPublicIp: String
        @Nullable public var observedPublicIp: String?
        /// Whether the host's datagram to its own public mapping must come back, and whether it
        /// did (RFC 5780 §4.5); null: not tested (no NAT, or no UDP).
        @Nullable public var expectedHairpin: Bool?
        @Nullable public var observedHairpin: Bool?
        /// The site's udp-timeout and what the idle test proved about it.
        public var udpTimeout: TimeoutResult
        /// The same checks over IPv6, in labs built with --ipv6; null otherwise.
        @Nullable public var ipv6: FamilyResult?
        /// `portmap` sites: the protocols that must map a port (the site's; none behind a
        /// carrier NAT, whose router has no public address), and those whose test mapping
        /// worked (probe --portmap map); null without the option.
        @Nullable public var expectedPortMapping: [String]?
        @Nullable public var observedPortMapping: [String]?
        public var passed: Bool
        public var evidence: [String]
    }

    /// The IPv6 half of a site's result: the firewall must not translate (the public address is
    /// the host's own) and must filter by address and port.
    public struct FamilyResult: Encodable, Sendable {
        public var expectedUdp: Bool
        public var observedUdp: Bool
        @Nullable public var expectedMapping: String?
        @Nullable public var observedMapping: String?
        @Nullable public var expectedFiltering: String?
        @Nullable public var observedFiltering: String?
        public var expectedPublicIp: String
        @Nullable public var observedPublicIp: String?
        public var udpTimeout: TimeoutResult
        public var passed: Bool
        public var evidence: [String]
    }

    public static let schema = "natctl.lab-verify/2"
    public var schema = LabVerification.schema
    public var lab: String
    public var sites: [SiteResult]
    /// Whether every site behaved as labelled.
    public var passed: Bool
    /// `{code, message}` when a site did not behave as labelled (`assertion-failed`); else null.
    @Nullable public var error: ReportError? = nil

    /// What `run` is doing, for a progress line: a check starting, or a site's verdict.
    public enum Progress: Sendable {
        case checking(String)
        case finished(String)
    }

    /// Runs `natctl lab check` on every site's host (IPv4, then IPv6 when the lab has it) and
    /// compares the result with the label.
    public static func run(_ state: LabState, natctl: String, progress: (@Sendable (Progress) -> Void)? = nil) throws(LabError) -> LabVerification {
        var results: [SiteResult] = []
        for site in state.sites {
            let timeout = TimeoutResult.plan(site)
            let idle = timeout.idleSeconds.map { " (a mapping idles \($0) s)" } ?? ""
            progress?(.checking("lab verify: site \(site.name), IPv4\(idle)"))
            let v4 = try check(
                site, server: state.servers[0], natctl: natctl, hairpin: site.expectedHairpin != nil, idle: timeout.idleSeconds)
            var result = SiteResult(
                site: site.name, behaviour: site.behaviour.rawValue, cgnat: site.cgnat?.rawValue, expectedUdp: site.expectsUdp,
                observedUdp: v4.udp, expectedMapping: site.expectedMapping, observedMapping: v4.mapping,
                expectedFiltering: site.expectedFiltering, observedFiltering: v4.filtering, expectedPublicIp: site.publicAddress,
                observedPublicIp: v4.publicIP, expectedHairpin: site.expectedHairpin, observedHairpin: v4.hairpin,
                udpTimeout: timeout.judged(v4, udp: site.expectsUdp), ipv6: nil, passed: false, evidence: v4.evidence)
            if let service = site.portMapping {
                progress?(.checking("lab verify: site \(site.name), port mapping"))
                result.expectedPortMapping = site.cgnat == nil ? service.protocols : []
                let (usable, notes) = try portMapping(site, server: state.servers[0], natctl: natctl)
                result.observedPortMapping = usable
                result.evidence += notes
            }
            if let server6 = state.servers6?.first, let host6 = site.hostAddress6 {
                progress?(.checking("lab verify: site \(site.name), IPv6\(idle)"))
                let v6 = try check(site, server: server6, natctl: natctl, hairpin: false, idle: timeout.idleSeconds)
                var family = FamilyResult(
                    expectedUdp: site.expectsUdp6, observedUdp: v6.udp, expectedMapping: site.expectedMapping6,
                    observedMapping: v6.mapping, expectedFiltering: site.expectedFiltering6, observedFiltering: v6.filtering,
                    expectedPublicIp: IPAddress(host6)?.description ?? host6, observedPublicIp: v6.publicIP, udpTimeout: timeout.judged(v6, udp: site.expectsUdp6),
                    passed: false, evidence: v6.evidence)
                family.passed =
                    family.expectedUdp == family.observedUdp && family.expectedMapping == family.observedMapping
                    && family.expectedFiltering == family.observedFiltering
                    && (!family.expectedUdp || family.observedPublicIp == family.expectedPublicIp) && family.udpTimeout.proven != false
                result.ipv6 = family
            }
            result.passed =
                result.expectedUdp == result.observedUdp && result.expectedMapping == result.observedMapping
                && result.expectedFiltering == result.observedFiltering
                && (!result.expectedUdp || result.observedPublicIp == result.expectedPublicIp)
                && result.expectedHairpin == result.observedHairpin && result.udpTimeout.proven != false
                && result.ipv6?.passed != false && result.expectedPortMapping == result.observedPortMapping
            results.append(result)
            progress?(.finished("lab verify: site \(site.name): \(result.passed ? "behaves as labelled" : "does NOT behave as labelled")"))
        }
        return LabVerification(lab: state.name, sites: results, passed: results.allSatisfy(\.passed))
    }

    /// One `natctl lab check` run, read back from its JSON (`BehaviourObservation`).
    struct Observation {
        var udp = false
        var mapping: String?
        var filtering: String?
        var publicIP: String?
        var hairpin: Bool?
        var aliveAfterControl: Bool?
        var aliveAfterIdle: Bool?
        var evidence: [String] = []
    }

    /// `natctl probe --portmap map` on the host: the protocols whose test mapping worked, and
    /// the probe's own words for each protocol as evidence.
    private static func portMapping(_ site: LabState.Site, server: String, natctl: String) throws(LabError) -> (usable: [String], notes: [String]) {
        let (object, output) = try runJSON(site, ["env", "NATCTL_PORTMAP=map", natctl, "probe", "--server", server, "--family", "ipv4", "--json"])
        guard let survey = object["port_mapping"] as? [String: Any] else { return ([], ["port mapping: probe gave no port_mapping: \(output.prefix(300))"]) }
        let notes = (survey["protocols"] as? [[String: Any]] ?? []).map { result in
            let name = result["protocol"] as? String ?? "?"
            let error = (result["test_mapping_error"] as? [String: Any] ?? result["error"] as? [String: Any])?["message"] as? String
            return "port mapping \(name): " + (error ?? "mapped through \(result["external_address"] as? String ?? "?")")
        }
        return (survey["usable"] as? [String] ?? [], notes + (survey["warnings"] as? [String] ?? []))
    }

    /// Runs a natctl command on the site's host and reads its JSON document (empty when it
    /// printed none), with the raw output for evidence.
    private static func runJSON(_ site: LabState.Site, _ arguments: [String]) throws(LabError) -> (object: [String: Any], output: String) {
        let output = try LabRunner.capture(in: site.hostNamespace, arguments)
        return ((try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any] ?? [:], output)
    }

    private static func check(_ site: LabState.Site, server: String, natctl: String, hairpin: Bool, idle: Int?) throws(LabError) -> Observation {
        var arguments = [natctl, "lab", "check", "--server", server]
        if hairpin { arguments.append("--hairpin") }
        if let idle { arguments += ["--idle", "\(idle)"] }
        let (object, output) = try runJSON(site, arguments)
        let mapped = (object["mapped_addresses"] as? [String])?.first
        return Observation(
            udp: object["udp"] as? Bool ?? false, mapping: object["mapping"] as? String, filtering: object["filtering"] as? String,
            publicIP: mapped.flatMap { TransportAddress($0) }.map { $0.ip.description }, hairpin: object["hairpin"] as? Bool,
            aliveAfterControl: object["alive_after_control"] as? Bool, aliveAfterIdle: object["alive_after_idle"] as? Bool,
            evidence: object["evidence"] as? [String] ?? [output])
    }
}
