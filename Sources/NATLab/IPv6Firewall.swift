/// IPv6 on a lab site: no NAT, a stateful firewall on the home router instead, as RFC 6092
/// recommends for home gateways and as home routers ship. Replies and ICMPv6 errors about our
/// own flows pass (conntrack's established/related); new inbound flows are dropped. What the
/// host's packets show is endpoint-independent "mapping" (its own address, untranslated) and
/// address-and-port-dependent filtering.
extension NATBehaviour {
    /// The home router's `table ip6 natlab6`. Own table and family: an `inet` forward chain would
    /// also drop the new inbound IPv4 flows that eim-eif and eim-adf DNAT to the host.
    ///
    /// - `none`: open, like its IPv4 (only loss, if any); `udp-blocked` drops UDP here too.
    /// - `forwardedPorts` become pinholes to the host, IPv6's port forward.
    /// - `udpTimeout` needs its own ct timeout object: one with `l3proto ip` ignores IPv6.
    func ipv6Ruleset(host: String, forwardedPorts: [UInt16], udpTimeout: Int?) -> String {
        var chains: [String] = []
        if self != .none {
            let pinholes = forwardedPorts.flatMap { port in
                ["udp", "tcp"].map { "    iifname \"wan\" ip6 daddr \(host) \($0) dport \(port) accept" }
            }
            let blockUDP = self == .udpBlocked ? ["    meta l4proto udp drop"] : []
            chains.append(
                (["chain firewall {", "    type filter hook forward priority filter; policy accept;"] + blockUDP + [
                    "    ct state established,related accept",
                    "    ct state invalid drop",
                ] + pinholes + ["    iifname \"wan\" ct state new drop", "}"]).joined(separator: "\n"))
        }
        if let udpTimeout, self != .none {
            chains.append(NFTables.udpTimeout(udpTimeout, l3proto: "ip6"))
        }
        return NFTables.table("ip6 natlab6", chains: chains)
    }
}
