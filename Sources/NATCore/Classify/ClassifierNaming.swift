/// Names derived from the RFC 4787 verdicts: the legacy RFC 3489 type and the hole-punching outlook.
enum ClassifierNaming {
    /// RFC 3489's names exist only for some mapping × filtering pairs; the rest are `none`.
    static func rfc3489(noNAT: Bool, mapping: MappingBehaviour?, filtering: FilteringBehaviour?) -> String? {
        guard let filtering else { return nil }
        if noNAT { return filtering == .endpointIndependent ? "open-internet" : "symmetric-udp-firewall" }
        guard let mapping else { return nil }
        switch (mapping, filtering) {
        case (.endpointIndependent, .endpointIndependent): return "full-cone"
        case (.endpointIndependent, .addressDependent): return "restricted-cone"
        case (.endpointIndependent, .addressAndPortDependent): return "port-restricted-cone"
        case (_, .addressAndPortDependent): return "symmetric"
        default: return "none"
        }
    }

    /// How hard a direct UDP path to a peer is from behind this NAT.
    static func holePunching(
        noNAT: Bool, mapping: Finding<MappingBehaviour>, filtering: Finding<FilteringBehaviour>,
        ports: Finding<PortAllocationValue>, inboundClaims: Finding<Bool> = .undecided("not tested")
    ) -> Finding<String> {
        if noNAT, filtering.value == .endpointIndependent {
            return Finding("not-needed", confidence: filtering.confidence, evidence: ["no NAT and no filtering: peers can reach us directly"])
        }
        guard let mappingValue = mapping.value else { return .undecided("mapping behaviour undecided") }
        if mappingValue == .endpointIndependent, inboundClaims.value == true {
            return Finding(
                "order-sensitive", confidence: inboundClaims.confidence,
                evidence: [
                    "endpoint-independent mapping, but an unsolicited packet claims the mapping: direct paths work when this host's "
                        + "first packet to the peer leaves before the peer's first packet arrives"
                ])
        }
        if mappingValue == .endpointIndependent {
            return Finding(
                "easy", confidence: mapping.confidence,
                evidence: ["endpoint-independent mapping: the address a server sees is the one peers can punch to"])
        }
        if let allocation = ports.value, allocation.kind != .random {
            return Finding(
                "predictable", confidence: ports.confidence,
                evidence: ["\(mappingValue.rawValue) mapping, but \(allocation.kind.rawValue) ports: punching works with port prediction"])
        }
        return Finding(
            "hard", confidence: mapping.confidence,
            evidence: ["\(mappingValue.rawValue) mapping with unpredictable ports: direct paths need the peer to be easy, or a relay"])
    }
}
