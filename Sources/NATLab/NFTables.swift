/// Assembling nftables rulesets, shared by the IPv4 NAT and the IPv6 firewall.
enum NFTables {
    /// `table FAMILY_AND_NAME { chains }` with a random-loss chain first in the forward path
    /// when `lossPercent` > 0 (nftables `numgen`, since this kernel has no netem); "" when there
    /// is nothing to install.
    static func table(_ familyAndName: String, chains: [String], lossPercent: Int) -> String {
        var chains = chains
        if lossPercent > 0 {
            chains.append("""
                chain loss {
                    type filter hook forward priority filter - 10; policy accept;
                    numgen random mod 100 < \(lossPercent) drop
                }
                """)
        }
        guard !chains.isEmpty else { return "" }
        let body = chains.joined(separator: "\n").split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
        return "table \(familyAndName) {\n\(body)\n}\n"
    }

    /// A conntrack timeout policy of `seconds` for UDP of one family (`ip` or `ip6`: a policy
    /// of one family does not touch the other), applied to every UDP flow.
    static func udpTimeout(_ seconds: Int, l3proto: String) -> String {
        """
        ct timeout udp_short {
            protocol udp; l3proto \(l3proto);
            policy = { unreplied : \(seconds), replied : \(seconds) };
        }
        chain udp_timeout {
            type filter hook prerouting priority filter; policy accept;
            meta l4proto udp ct timeout set "udp_short"
        }
        """
    }
}
