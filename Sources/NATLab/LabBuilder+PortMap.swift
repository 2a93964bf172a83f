import Foundation

/// A home router that offers port mapping: Debian's miniupnpd (nftables build) in the router
/// namespace, serving UPnP IGD, NAT-PMP and PCP to the LAN.
///
/// miniupnpd 2.3.1 calls the lab's documentation-range WAN "reserved" and refuses to map on
/// it unless STUN shows a full-cone path (`ext_perform_stun`): it asks the lab server, whose
/// answers from the other address come in through the router's input chain (see
/// `NATBehaviour.routerRuleset`'s `routerServicePeers`). Debian's nft_init.sh is broken (it sources
/// the iptables helpers), so the builder makes miniupnpd's table and chains itself.
extension LabBuilder {
    static func startPortMapper(_ site: LabState.Site, lab: String) throws(LabError) -> Int32 {
        guard let service = site.portMapping, let lanAddress = site.routerLANAddress else { throw .serverDidNotStart("no port-mapping plan for site \(site.name)") }
        try HostCommand.run(["ip", "netns", "exec", site.routerNamespace, "nft", "-f", "-"], input: miniupnpdTables)
        let base = LabState.directory.appendingPathComponent("\(lab)-\(site.name)-miniupnpd")
        let config = base.appendingPathExtension("conf")
        let log = base.appendingPathExtension("log")
        let leases = base.appendingPathExtension("leases")
        try? FileManager.default.createDirectory(at: LabState.directory, withIntermediateDirectories: true)
        // A lease file left by an earlier lab of this name would be reloaded as live mappings.
        try? FileManager.default.removeItem(at: leases)
        // miniupnpd refuses to start while its pid file names a live process, and pids get reused.
        try? FileManager.default.removeItem(at: base.appendingPathExtension("pid"))
        let text = miniupnpdConfig(service: service, lanAddress: lanAddress, leases: leases.path, stun: site.cgnat == nil)
        guard FileManager.default.createFile(atPath: config.path, contents: Data(text.utf8)) else {
            throw .serverDidNotStart("cannot write \(config.path)")
        }
        // Ready when forwarding is decided (after the STUN check) and the sockets are open; the
        // STUN check waits up to 3 s per round for answers that do not come.
        let ready = service.natpmp ? "Listening for NAT-PMP" : "HTTP listening"
        let command = ["miniupnpd", "-f", config.path, "-d", "-P", base.appendingPathExtension("pid").path]
        return try launchDetached(command, in: site.routerNamespace, log: log, seconds: 10) { text throws(LabError) in
            let decided = ["Port forwarding is now enabled", "Port forwarding is now disabled", "Port forwarding is impossible"].contains { text.contains($0) }
            guard decided && text.contains(ready) else { return false }
            // Behind a carrier NAT it must refuse (the case probe has to call useless); on a
            // public WAN it must map, or the lab is not what it says.
            guard (site.cgnat != nil) != text.contains("Port forwarding is now enabled") else {
                throw .serverDidNotStart("miniupnpd on site \(site.name) disabled port forwarding: \(text.suffix(400))")
            }
            return true
        }
    }

    /// miniupnpd's default table (`inet filter`) and chains. The forward chain accepts: the NAT
    /// behaviour's own ruleset decides what reaches the host, and miniupnpd's DNAT opens the rest.
    static let miniupnpdTables = """
        table inet filter {
            chain forward { type filter hook forward priority 0; policy accept; jump miniupnpd; }
            chain miniupnpd { }
            chain prerouting { type nat hook prerouting priority -100; policy accept; jump prerouting_miniupnpd; }
            chain postrouting { type nat hook postrouting priority 100; policy accept; jump postrouting_miniupnpd; }
            chain prerouting_miniupnpd { }
            chain postrouting_miniupnpd { }
        }

        """

    /// `stun: false` (behind a CGNAT) is the common home router: it reads its WAN address off the
    /// interface, finds it private (100.64.0.0/10) and refuses every mapping, as probe must report.
    static func miniupnpdConfig(service: PortMappingService, lanAddress: String, leases: String, stun: Bool) -> String {
        """
        ext_ifname=wan
        listening_ip=lan
        http_port=5000
        enable_upnp=\(service.upnp ? "yes" : "no")
        enable_natpmp=\(service.natpmp ? "yes" : "no")
        secure_mode=yes
        ext_perform_stun=\(stun ? "yes" : "no")
        ext_stun_host=\(serverPrimary)
        ext_stun_port=\(serverPorts.primary)
        lease_file=\(leases)
        uuid=6e617463-746c-4c61-6200-\(String(lanAddress.split(separator: ".").map { String(format: "%03d", Int($0) ?? 0) }.joined().suffix(12)))
        allow 1024-65535 10.0.0.0/8 1024-65535
        deny 0-65535 0.0.0.0/0 0-65535

        """
    }
}
