import Foundation
import NATCore

/// What `lab verify` found: per site, the behaviour its packets showed against its label.
public struct LabVerification: Encodable, Sendable {
    public struct SiteResult: Encodable, Sendable {
        public var site: String
        public var behaviour: String
        /// Whether the site's host must get UDP answers (false only for `udp-blocked`).
        public var expectedUdp: Bool
        public var observedUdp: Bool
        @Nullable public var expectedMapping: String?
        @Nullable public var observedMapping: String?
        @Nullable public var expectedFiltering: String?
        @Nullable public var observedFiltering: String?
        /// The public address servers must see (the router's WAN, or the host itself for `none`).
        public var expectedPublicIp: String
        @Nullable public var observedPublicIp: String?
        public var passed: Bool
        public var evidence: [String]
    }

    public var schema = "natctl.lab-verify/1"
    public var lab: String
    public var sites: [SiteResult]
    /// Whether every site behaved as labelled.
    public var passed: Bool


    /// Runs `natctl lab check` on every site's host and compares the result with the label.
    public static func run(_ state: LabState, natctl: String) throws(LabError) -> LabVerification {
        var results: [SiteResult] = []
        for site in state.sites {
            let output = try LabRunner.capture(in: site.hostNamespace, [natctl, "lab", "check", "--server", state.servers[0]])
            let object = (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any] ?? [:]
            let mapped = (object["mapped_addresses"] as? [String])?.first
            let observedIP = mapped.flatMap { $0.split(separator: ":").dropLast().joined(separator: ":") }
            var result = SiteResult(
                site: site.name, behaviour: site.behaviour.rawValue, expectedUdp: site.behaviour != .udpBlocked,
                observedUdp: object["udp"] as? Bool ?? false, expectedMapping: site.behaviour.expectedMapping,
                observedMapping: object["mapping"] as? String, expectedFiltering: site.behaviour.expectedFiltering,
                observedFiltering: object["filtering"] as? String, expectedPublicIp: site.publicAddress,
                observedPublicIp: observedIP, passed: false, evidence: object["evidence"] as? [String] ?? [output])
            result.passed =
                result.expectedUdp == result.observedUdp && result.expectedMapping == result.observedMapping
                && result.expectedFiltering == result.observedFiltering
                && (!result.expectedUdp || result.observedPublicIp == result.expectedPublicIp)
            results.append(result)
        }
        return LabVerification(lab: state.name, sites: results, passed: results.allSatisfy(\.passed))
    }
}
