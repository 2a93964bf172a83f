/// One site: host ← home router ← (CGNAT ←) the lab internet. Every link is a veth pair
/// created inside the namespaces; interfaces facing the internet are called `wan`, those
/// facing the host `lan`, on the home router and the CGNAT alike, so both take the same
/// `NATBehaviour` rulesets.
extension LabBuilder {
    static func buildSite(
        _ site: LabSpec.SiteSpec, number: Int, spec: LabSpec, internet: String, natctl: String
    ) throws(LabError) -> LabState.Site {
        let lab = spec.name
        let router = "natctl-\(lab)-\(site.name)-r"
        let host = "natctl-\(lab)-\(site.name)-h"
        let carrier = site.cgnat == nil ? nil : "natctl-\(lab)-\(site.name)-c"
        let plan = SiteAddresses(number: number, publicHost: site.behaviour.isPublicHost, cgnat: carrier != nil, ipv6: spec.ipv6)
        for namespace in [router, host] + (carrier.map { [$0] } ?? []) { try addNamespace(namespace, ipv6: spec.ipv6) }
        // The edge faces the internet: the CGNAT when there is one, else the home router.
        let edge = carrier ?? router
        try connectEdge(edge, site: site.name, plan: plan, spec: spec, internet: internet, natctl: natctl)
        if let carrier, let cgnat = site.cgnat {
            try buildCGNAT(carrier, behaviour: cgnat, router: router, plan: plan, hairpin: site.hairpin, inputFirewall: site.inputFirewall)
        }
        try buildLAN(router: router, host: host, plan: plan)
        if site.behaviour.isPublicHost { try ip(internet, "route", "add", plan.lan, "via", plan.wan) }
        if let prefix = plan.sitePrefix6, let edge6 = plan.wan6 { try ip(internet, "-6", "route", "add", prefix, "via", edge6) }
        let ruleset =
            site.behaviour.routerRuleset(
                wanAddress: plan.homeWAN, hairpin: site.hairpin && carrier == nil,
                udpTimeout: site.udpTimeoutSeconds, lan: plan.lan, inputFirewall: site.inputFirewall,
                routerServicePeers: site.portMapping != nil ? [serverPrimary, serverAlternate] : [])
            + NATBehaviour.forwardRuleset(ports: site.forwardedPorts, host: plan.host)
            + (plan.host6.map {
                site.behaviour.ipv6Ruleset(
                    host: $0, forwardedPorts: site.forwardedPorts, udpTimeout: site.udpTimeoutSeconds)
            } ?? "")
        if !ruleset.isEmpty {
            try HostCommand.run(["ip", "netns", "exec", router, "nft", "-f", "-"], input: ruleset)
        }
        // Loss on the site's link to the internet: the edge's WAN, after every NAT of the site
        // (behind a sequential CGNAT too, a lost packet has taken its port, as on a real link).
        let loss = NFTables.wireLoss(spec.lossPercent)
        if !loss.isEmpty {
            try HostCommand.run(["ip", "netns", "exec", edge, "nft", "-f", "-"], input: loss)
        }
        return LabState.Site(
            name: site.name, behaviour: site.behaviour, hostNamespace: host, routerNamespace: router,
            hostAddress: plan.host, publicAddress: site.behaviour.isPublicHost ? plan.host : plan.wan,
            forwardedPorts: site.forwardedPorts.isEmpty ? nil : site.forwardedPorts,
            hairpin: site.hairpin ? true : nil, noInputFirewall: site.inputFirewall ? nil : true, udpTimeoutSeconds: site.udpTimeoutSeconds,
            cgnat: site.cgnat,
            cgnatNamespace: carrier, homeWanAddress: plan.homeWAN, hostAddress6: plan.host6, portMapping: site.portMapping,
            routerLANAddress: plan.routerLAN)
    }

    /// The edge's `wan` on the internet bridge (through a wire namespace when delayed), its
    /// public addresses and default routes via the server, and pinned neighbours.
    private static func connectEdge(
        _ edge: String, site: String, plan: SiteAddresses, spec: LabSpec, internet: String, natctl: String
    ) throws(LabError) {
        if spec.needsWire {
            try buildWire(site: site, lab: spec.name, router: edge, internet: internet, spec: spec, natctl: natctl)
        } else {
            try HostCommand.run(["ip", "link", "add", "wan", "netns", edge, "type", "veth", "peer", "name", "w-\(site)", "netns", internet])
        }
        try ip(internet, "link", "set", "w-\(site)", "master", "br0", "up")
        // A /32 with host routes to the server's two addresses: every other WAN is off-link, so
        // site-to-site traffic crosses the internet namespace as a routed hop (as on the
        // internet, where the peer's router is never the next hop) instead of going straight
        // across the bridge. Punch's priming relies on that hop: its TTL-2 packet opens this
        // router's mapping and expires there, before it reaches the peer's router.
        try addressAndUp(edge, "wan", "\(plan.wan)/32", plan.wan6)
        for server in [serverPrimary, serverAlternate] { try ip(edge, "route", "add", server, "dev", "wan") }
        try enableForwarding(edge, ipv6: plan.wan6 != nil)
        try ip(edge, "route", "add", "default", "via", serverPrimary)
        if plan.wan6 != nil { try ip(edge, "-6", "route", "add", "default", "via", serverPrimary6) }
        try pinNeighbours(router: edge, internet: internet, plan: plan)
    }

    /// The CGNAT: `lan` towards the home router's `wan` across RFC 6598 shared space, its NAT
    /// ruleset on its own `wan`, and (IPv6) a route to the site's LAN via the home router.
    /// The udp-timeout stays on the home router and loss goes on the edge (this CGNAT), so a
    /// site's path drops and expires once.
    private static func buildCGNAT(
        _ carrier: String, behaviour: NATBehaviour, router: String, plan: SiteAddresses, hairpin: Bool, inputFirewall: Bool
    ) throws(LabError) {
        guard let inside = plan.cgnatInside, let link = plan.carrierLink else { return }
        try HostCommand.run(["ip", "link", "add", "lan", "netns", carrier, "type", "veth", "peer", "name", "wan", "netns", router])
        try addressAndUp(carrier, "lan", "\(inside)/24", plan.cgnatInside6)
        try addressAndUp(router, "wan", "\(plan.homeWAN)/24", plan.homeWAN6)
        if let home6 = plan.homeWAN6, let lan6 = plan.routerLAN6 {
            try ip(carrier, "-6", "route", "add", "\(lan6)/64", "via", home6)  // the next hop must be on an up link
        }
        try enableForwarding(router, ipv6: plan.cgnatInside6 != nil)
        try ip(router, "route", "add", "default", "via", inside)
        if let inside6 = plan.cgnatInside6 { try ip(router, "-6", "route", "add", "default", "via", inside6) }
        let ruleset = behaviour.routerRuleset(wanAddress: plan.wan, hairpin: hairpin, lan: link, inputFirewall: inputFirewall)
        if !ruleset.isEmpty {
            try HostCommand.run(["ip", "netns", "exec", carrier, "nft", "-f", "-"], input: ruleset)
        }
    }

    /// The home router's `lan` and the host's `eth0`, with the host's default routes.
    private static func buildLAN(router: String, host: String, plan: SiteAddresses) throws(LabError) {
        try HostCommand.run(["ip", "link", "add", "lan", "netns", router, "type", "veth", "peer", "name", "eth0", "netns", host])
        try addressAndUp(router, "lan", "\(plan.routerLAN)/\(plan.lanPrefixLength)", plan.routerLAN6)
        try addressAndUp(host, "eth0", "\(plan.host)/\(plan.lanPrefixLength)", plan.host6)
        try ip(host, "route", "add", "default", "via", plan.routerLAN)
        if let routerLAN6 = plan.routerLAN6 { try ip(host, "-6", "route", "add", "default", "via", routerLAN6) }
    }

    /// Gives a device its IPv4 address (with prefix) and, in IPv6 labs, its /64 (no duplicate
    /// address detection, so it is usable at once), then brings it up.
    private static func addressAndUp(_ namespace: String, _ device: String, _ v4: String, _ v6: String?) throws(LabError) {
        try ip(namespace, "addr", "add", v4, "dev", device)
        if let v6 { try ip(namespace, "addr", "add", "\(v6)/64", "dev", device, "nodad") }
        try ip(namespace, "link", "set", device, "up")
    }

    /// Routers forward IPv4, and IPv6 in labs that have it (which also stops them taking router advertisements).
    private static func enableForwarding(_ router: String, ipv6: Bool) throws(LabError) {
        try sysctl(router, "net.ipv4.ip_forward=1")
        if ipv6 { try sysctl(router, "net.ipv6.conf.all.forwarding=1") }
    }

    /// Permanent ARP (and IPv6 neighbour) entries both ways across the WAN, so no test's first
    /// packet waits for address resolution (a whole extra round trip through a delayed wire)
    /// and timings are the path's own.
    private static func pinNeighbours(router: String, internet: String, plan: SiteAddresses) throws(LabError) {
        let brief = try HostCommand.run(["ip", "-n", router, "-br", "link", "show", "dev", "wan"])
        guard let mac = brief.split(separator: " ", omittingEmptySubsequences: true).dropFirst(2).first.map(String.init),
            mac.split(separator: ":").count == 6
        else { throw .commandFailed(command: "ip -br link show dev wan", status: 0, stderr: "no MAC address in '\(brief)'") }
        var servers = [serverPrimary, serverAlternate]
        if plan.wan6 != nil { servers += [serverPrimary6, serverAlternate6] }
        for server in servers {
            try ip(router, "neigh", "replace", server, "lladdr", bridgeMAC, "dev", "wan", "nud", "permanent")
        }
        for address in [plan.wan] + (plan.wan6.map { [$0] } ?? []) {
            try ip(internet, "neigh", "replace", address, "lladdr", mac, "dev", "br0", "nud", "permanent")
        }
    }
}
