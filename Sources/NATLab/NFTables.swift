/// Assembling nftables rulesets, shared by the IPv4 NAT and the IPv6 firewall.
enum NFTables {
    /// `table FAMILY_AND_NAME { chains }`; "" when there is nothing to install.
    static func table(_ familyAndName: String, chains: [String]) -> String {
        guard !chains.isEmpty else { return "" }
        let body = chains.joined(separator: "\n").split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
        return "table \(familyAndName) {\n\(body)\n}\n"
    }

    /// Random loss on a router's WAN link, `percent` per direction, for forwarded packets of
    /// both families (nftables `numgen`, since this kernel has no netem). Inbound packets are
    /// dropped as they enter the forward path. Outbound ones are dropped on the wire itself (the
    /// `wan` device's egress hook), after the NAT has made and confirmed their mapping: dropped
    /// earlier, a lost packet would not take its port, and a sequential NAT's later mappings
    /// would shift by one against what the peer predicted, which no real link does. The
    /// forward path marks what egress may drop, so the router's own traffic (miniupnpd's STUN
    /// check) is never lost, as before.
    static func wireLoss(_ percent: Int) -> String {
        guard percent > 0 else { return "" }
        return """
            table inet natlab_loss {
                chain forward {
                    type filter hook forward priority filter - 10; policy accept;
                    iifname "wan" numgen random mod 100 < \(percent) drop
                    oifname "wan" meta mark set meta mark | \(lossMark)
                }
            }
            table netdev natlab_wire {
                chain egress {
                    type filter hook egress device "wan" priority filter; policy accept;
                    meta mark & \(lossMark) == \(lossMark) numgen random mod 100 < \(percent) drop
                }
            }

            """
    }

    /// The packet-mark bit that says "forwarded out of the WAN: may be lost on the wire".
    static let lossMark = "0x00010000"

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
