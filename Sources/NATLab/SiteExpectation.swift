/// What `lab verify` must observe on a site, from its behaviour, its CGNAT and its options.
extension LabState.Site {
    /// The NATs a packet crosses on the way out: the home router, then the CGNAT if any.
    public var layers: [NATBehaviour] { [behaviour] + (cgnat.map { [$0] } ?? []) }

    /// Whether UDP must get answers over IPv4 (no layer blocks it).
    public var expectsUdp: Bool { !layers.contains(.udpBlocked) }

    /// NATs in series map and filter like their strictest layer (seen in the lab: eim-eif behind
    /// an eim-apdf CGNAT filters by address and port; eim-apdf behind apdm-apdf maps per destination).
    public var expectedMapping: String? { expectsUdp ? NATBehaviour.strictest(layers.compactMap(\.expectedMapping)) : nil }
    public var expectedFiltering: String? { expectsUdp ? NATBehaviour.strictest(layers.compactMap(\.expectedFiltering)) : nil }

    /// Whether the host's datagram to its own public mapping must come back; nil where there is
    /// nothing to hairpin (no NAT) or no UDP at all.
    public var expectedHairpin: Bool? { behaviour == .none || !expectsUdp ? nil : hairpin ?? false }

    /// IPv6 crosses only the home router's firewall (a CGNAT routes it untouched): no
    /// translation, filtering by address and port, or nothing at all for `none`.
    public var expectsUdp6: Bool { behaviour != .udpBlocked }
    public var expectedMapping6: String? { expectsUdp6 ? "endpoint-independent" : nil }
    public var expectedFiltering6: String? {
        switch behaviour {
        case .none: "endpoint-independent"
        case .udpBlocked: nil
        default: "address-and-port-dependent"
        }
    }
}

extension NATBehaviour {
    /// RFC 4787 mapping and filtering values, least restrictive first.
    static let restrictiveness = ["endpoint-independent", "address-dependent", "address-and-port-dependent"]

    /// The most restrictive of `values`; nil for none.
    static func strictest(_ values: [String]) -> String? {
        values.max { (restrictiveness.firstIndex(of: $0) ?? 0) < (restrictiveness.firstIndex(of: $1) ?? 0) }
    }
}
