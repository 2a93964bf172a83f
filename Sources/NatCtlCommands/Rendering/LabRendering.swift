import NATLab

/// Human text for the lab commands.
enum LabRendering {
    static func status(_ state: LabState) -> String {
        var lines = ["lab '\(state.name)': server \(state.servers.joined(separator: ", ")) in \(state.publicNamespace)"]
        if let servers6 = state.servers6 { lines.append("IPv6 server \(servers6.joined(separator: ", ")); sites firewall IPv6, no NAT") }
        lines += Table.render(
            header: ["site", "behaviour", "cgnat", "host address", "home wan", "public address", "host namespace"],
            rows: state.sites.map {
                [
                    $0.name, $0.behaviour.rawValue, $0.cgnat?.rawValue ?? "-", $0.hostAddress + ($0.hostAddress6.map { ", \($0)" } ?? ""),
                    $0.homeWanAddress ?? $0.publicAddress, $0.publicAddress, $0.hostNamespace,
                ]
            })
        if state.lossPercent > 0 { lines.append("loss: \(state.lossPercent)% each way on every router") }
        if let delay = state.delayMilliseconds, delay > 0 || (state.jitterMilliseconds ?? 0) > 0 {
            lines.append("delay: \(delay) ms ± \(state.jitterMilliseconds ?? 0) ms each way on every WAN link (natctl lab wire)")
        }
        return lines.joined(separator: "\n")
    }

    static func verification(_ report: LabVerification) -> String {
        let yesNo = { (value: Bool?) in value.map { $0 ? "yes" : "no" } ?? "-" }
        let timeout = { (result: TimeoutResult) in result.proven.map { $0 ? "proven \(result.seconds ?? 0) s" : "NOT proven" } ?? "-" }
        var rows: [[String]] = []
        let portMapping = { (site: LabVerification.SiteResult) in
            site.observedPortMapping.map { $0.isEmpty ? "none maps" : $0.joined(separator: ",") } ?? "-"
        }
        for site in report.sites {
            let label = site.behaviour + (site.cgnat.map { " + cgnat \($0)" } ?? "")
            rows.append([
                site.site, label, yesNo(site.observedUdp), site.observedMapping ?? "-", site.observedFiltering ?? "-",
                site.observedPublicIp ?? "-", yesNo(site.observedHairpin), timeout(site.udpTimeout), portMapping(site),
                site.passed ? "as labelled" : "MISMATCH",
            ])
            if let v6 = site.ipv6 {
                rows.append([
                    "\(site.site) (v6)", "firewall", yesNo(v6.observedUdp), v6.observedMapping ?? "-", v6.observedFiltering ?? "-",
                    v6.observedPublicIp ?? "-", "-", timeout(v6.udpTimeout), "-", v6.passed ? "as labelled" : "MISMATCH",
                ])
            }
        }
        var lines = Table.render(
            header: ["site", "behaviour", "udp", "mapping", "filtering", "public ip", "hairpin", "udp-timeout", "portmap", "verdict"], rows: rows)
        for site in report.sites where !site.passed {
            lines.append(
                "site \(site.site): expected mapping \(site.expectedMapping ?? "-"), filtering \(site.expectedFiltering ?? "-"), "
                    + "public \(site.expectedPublicIp), hairpin \(yesNo(site.expectedHairpin))"
                    + (site.expectedPortMapping.map { ", port mapping \($0.isEmpty ? "none" : $0.joined(separator: ","))" } ?? ""))
            if let note = site.udpTimeout.note, site.udpTimeout.proven == false { lines.append("  udp-timeout: \(note)") }
            lines += (site.evidence + (site.ipv6?.evidence.map { "v6 \($0)" } ?? [])).map { "  \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}
