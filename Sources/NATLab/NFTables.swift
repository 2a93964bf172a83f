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
}
