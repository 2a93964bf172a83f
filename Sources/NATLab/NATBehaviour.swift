/// A NAT behaviour a lab site can have, named in RFC 4787 terms, and how nftables builds it.
public enum NATBehaviour: String, CaseIterable, Sendable, Codable {
    case none
    case eimEIF = "eim-eif"
    case eimADF = "eim-adf"
    case eimAPDF = "eim-apdf"
    case apdmAPDF = "apdm-apdf"
    case apdmAPDFSequential = "apdm-apdf-seq"
    case udpBlocked = "udp-blocked"

    /// `apdm-apdf-seq` hands out ports firstSequentialPort, +1, +2, ... and wraps after this many.
    static let sequentialPorts = 1024
    static let firstSequentialPort = 50000

    /// One line for `lab list`.
    public var summary: String {
        switch self {
        case .none: "no NAT: the host has a public address (198.51.100.0/24), the router only routes"
        case .eimEIF: "full cone: endpoint-independent mapping and filtering (nft map of mappings + DNAT)"
        case .eimADF: "restricted cone: endpoint-independent mapping, address-dependent filtering"
        case .eimAPDF: "port-restricted cone: Linux masquerade's default (port kept when free)"
        case .apdmAPDF: "symmetric: a random port per destination (masquerade fully-random)"
        case .apdmAPDFSequential: "symmetric with predictable ports: each new mapping takes the next port from 50000"
        case .udpBlocked: "UDP is dropped at the router (TCP and ICMP pass), behind masquerade"
        }
    }

    /// The mapping behaviour `lab verify` must observe (nil when nothing can be observed).
    public var expectedMapping: String? {
        switch self {
        case .none, .eimEIF, .eimADF, .eimAPDF: "endpoint-independent"
        case .apdmAPDF, .apdmAPDFSequential: "address-and-port-dependent"
        case .udpBlocked: nil
        }
    }

    /// The filtering behaviour `lab verify` must observe.
    public var expectedFiltering: String? {
        switch self {
        case .none, .eimEIF: "endpoint-independent"
        case .eimADF: "address-dependent"
        case .eimAPDF, .apdmAPDF, .apdmAPDFSequential: "address-and-port-dependent"
        case .udpBlocked: nil
        }
    }

    /// Hairpinning is built for endpoint-independent mappings, where "our public address" is one thing.
    var canHairpin: Bool { self == .eimEIF || self == .eimADF || self == .eimAPDF }

    /// Whether the site's host sits on a public prefix instead of behind NAT.
    var isPublicHost: Bool { self == .none }

    /// DNAT from the router's WAN to the host for each forwarded port, UDP and TCP, ahead of
    /// the behaviour's own inbound rules (priority dstnat - 5).
    static func forwardRuleset(ports: [UInt16], host: String) -> String {
        guard !ports.isEmpty else { return "" }
        let rules = ports.flatMap { port in
            ["udp", "tcp"].map { "    iifname \"wan\" \($0) dport \(port) dnat ip to \(host):\(port)" }
        }
        let chain = """
            chain forward_in {
                type nat hook prerouting priority dstnat - 5; policy accept;
            \(rules.joined(separator: "\n"))
            }
            """
        return NFTables.table("ip natlab_forward", chains: [chain])
    }

    /// The router's nftables ruleset. `wan` and `lan` are the router's interface names.
    /// Endpoint-independent and address-dependent filtering record each mapping after SNAT
    /// (postrouting, priority srcnat + 10, where `udp sport` is already translated and
    /// `ct original` still names the inside endpoint) and DNAT unsolicited inbound packets
    /// through that record.
    ///
    /// Sequential ports: a counter mapped to ports (numgen used directly as a port would be
    /// byte-swapped); the plain masquerade after it catches anything the map misses, which
    /// would otherwise leave un-NATed.
    ///
    /// `routerServicePeers` lets UDP from those addresses in to sockets the router itself
    /// opened (miniupnpd's STUN check of its WAN, whose answers come from the server's other
    /// address and port); packets to ports with no socket, such as the host's mappings, and
    /// from anyone else, such as to miniupnpd's SSDP socket, are still dropped. Non-empty also
    /// keeps the router's own traffic out of the translation.
    ///
    /// `inputFirewall: false` leaves out the input chain, as many real routers do: an unsolicited
    /// packet to the router's public address then stays in conntrack, and the host's next packet
    /// to that sender gets a new external port (the mapping was claimed).
    func routerRuleset(
        wanAddress: String, hairpin: Bool = false, udpTimeout: Int? = nil, lan: String = "10.0.0.0/8",
        inputFirewall: Bool = true, routerServicePeers: [String] = []
    ) -> String {
        var chains: [String] = []
        let mapsMappings = self == .eimEIF || self == .eimADF || hairpin
        let masquerade = self == .apdmAPDF ? "masquerade fully-random" : "masquerade"
        if self != .none, inputFirewall {
            // Like a careful router: unsolicited UDP to the router itself is dropped before
            // conntrack confirms it, so a filtered reply leaves no entry that would later
            // collide with (and re-port) the host's own outbound mapping.
            chains.append("""
                chain router_in {
                    type filter hook input priority filter; policy accept;
                \(routerServicePeers.isEmpty ? "" : "    iifname \"wan\" ip saddr { \(routerServicePeers.joined(separator: ", ")) } meta l4proto udp socket transparent 0 accept\n")\
                    iifname "wan" meta l4proto udp ct state new drop
                }
                """)
        }
        if self != .none {
            // The router's own sockets (miniupnpd's STUN check) keep their ports, as on a real
            // router whose WAN address they already have; only the LAN is translated.
            let inside = routerServicePeers.isEmpty ? "" : "ip saddr != \(wanAddress) "
            let sequential =
                self == .apdmAPDFSequential
                ? "    oifname \"wan\" \(inside)meta l4proto udp snat ip to \(wanAddress) : numgen inc mod \(Self.sequentialPorts) map { "
                    + (0..<Self.sequentialPorts).map { "\($0) : \(Self.firstSequentialPort + $0)" }.joined(separator: ", ") + " }\n"
                : ""
            chains.append("""
                chain nat_out {
                    type nat hook postrouting priority srcnat; policy accept;
                \(sequential)    oifname "wan" \(inside)\(masquerade)
                }
                """)
        }
        if mapsMappings {
            chains += mappingChains(wanAddress: wanAddress, hairpin: hairpin, timeoutSeconds: udpTimeout ?? 120)
        }
        if hairpin {
            chains.append("""
                chain hairpin_out {
                    type nat hook postrouting priority srcnat - 10; policy accept;
                    oifname "lan" ct status dnat ip saddr \(lan) snat ip to \(wanAddress)
                }
                """)
        }
        if let udpTimeout {
            chains.append(NFTables.udpTimeout(udpTimeout, l3proto: "ip"))
        }
        if self == .udpBlocked {
            chains.append("""
                chain block_udp {
                    type filter hook forward priority filter; policy accept;
                    meta l4proto udp drop
                }
                """)
        }
        return NFTables.table("ip natlab", chains: chains)
    }

    /// The record of mappings (external port → inside endpoint) and of contacted endpoints,
    /// written after SNAT, and the inbound DNAT through it: for endpoint-independent and
    /// address-dependent filtering, and for hairpinning.
    private func mappingChains(wanAddress: String, hairpin: Bool, timeoutSeconds: Int) -> [String] {
        var inbound: [String] = []
        if self == .eimEIF || self == .eimADF {
            inbound.append("iifname \"wan\" meta l4proto udp \(self == .eimADF ? "ip saddr . udp dport @contacted " : "")dnat ip to udp dport map @cone")
        }
        // Hairpin: LAN packets for our own public address go back in through the mapping,
        // with the sender's public address as source (RFC 4787 REQ-9).
        if hairpin { inbound.append("iifname \"lan\" ip daddr \(wanAddress) meta l4proto udp dnat ip to udp dport map @cone") }
        return [
            """
            map cone {
                type inet_service : ipv4_addr . inet_service; flags dynamic,timeout; timeout \(timeoutSeconds)s;
            }
            set contacted {
                type ipv4_addr . inet_service; flags dynamic,timeout; timeout \(timeoutSeconds)s;
            }
            chain record {
                type filter hook postrouting priority srcnat + 10; policy accept;
                oifname "wan" meta l4proto udp update @cone { udp sport : ct original ip saddr . ct original proto-src }
                oifname "wan" meta l4proto udp update @contacted { ip daddr . udp sport }
            }
            """,
            """
            chain nat_in {
                type nat hook prerouting priority dstnat; policy accept;
            \(inbound.map { "    " + $0 }.joined(separator: "\n"))
            }
            """,
        ]
    }
}
