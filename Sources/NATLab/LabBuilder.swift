import Foundation
import NATCore

/// Builds and removes labs: network namespaces joined by veth pairs, a bridge for the "internet",
/// nftables NAT on each site's router, and natctl's RFC 5780 server in the public namespace.
///
/// Addresses: the internet is 203.0.113.0/24 (server 203.0.113.1 and .2; site N's router .10+N);
/// behind NAT, site N's LAN is 10.0.N.0/24; a public host (`none`) gets 198.51.100.16N/28.
public enum LabBuilder {
    static let serverPrimary = "203.0.113.1"
    static let serverAlternate = "203.0.113.2"
    static let serverPorts = (primary: 3478, alternate: 3479)
    /// The TURN user every lab's relay accepts; `lab exec` hands it to commands as
    /// `NATCTL_TURN_USER`/`NATCTL_TURN_PASSWORD`, so `relay test` inside needs no flags.
    public static let turnUser = (name: "natctl", password: "natctl-lab")
    static let bridgeMAC = "02:00:cb:00:71:01"

    /// Brings a lab up, first removing any leftover of a lab with the same name (after a crash).
    /// On failure everything created so far is removed again.
    public static func up(_ spec: LabSpec, natctl: String) throws(LabError) -> LabState {
        try spec.validate()
        try HostCommand.preflight(wire: spec.needsWire)
        down(spec.name)
        let started = ContinuousClock.now
        let publicNamespace = "natctl-\(spec.name)-pub"
        var state = LabState(
            name: spec.name, sites: [], publicNamespace: publicNamespace,
            servers: ["\(serverPrimary):\(serverPorts.primary)", "\(serverAlternate):\(serverPorts.alternate)"],
            serverPID: nil, lossPercent: spec.lossPercent, delayMilliseconds: spec.delayMilliseconds,
            jitterMilliseconds: spec.jitterMilliseconds, upMilliseconds: 0)
        do {
            try buildInternet(publicNamespace)
            for (index, site) in spec.sites.enumerated() {
                state.sites.append(try buildSite(site, number: index + 1, spec: spec, internet: publicNamespace, natctl: natctl))
            }
            state.serverPID = try startServer(in: publicNamespace, natctl: natctl, lab: spec.name)
            state.upMilliseconds = (ContinuousClock.now - started).millisecondsDouble
            try state.save()
            return state
        } catch {
            down(spec.name)
            throw error
        }
    }

    /// Removes a lab: kills every process in its namespaces, deletes the namespaces (their veths
    /// go with them) and the state file. Safe to call for a lab that is not there.
    public static func down(_ name: String) {
        let state = try? LabState.load(name)
        if let pid = state?.serverPID { kill(pid, SIGKILL) }
        for namespace in namespaces(prefix: "natctl-\(name)-") { removeNamespace(namespace) }
        LabState.remove(name)
    }

    /// Removes every natctl lab on this host, with or without a state file.
    public static func downAll() {
        for name in LabState.all() { down(name) }
        for namespace in namespaces(prefix: "natctl-") { removeNamespace(namespace) }
    }

    /// Namespaces whose names start with `prefix`.
    public static func namespaces(prefix: String) -> [String] {
        let listing = (try? HostCommand.run(["ip", "netns", "list"])) ?? ""
        return listing.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
            .filter { $0.hasPrefix(prefix) }
    }

    private static func removeNamespace(_ namespace: String) {
        let pids = (try? HostCommand.run(["ip", "netns", "pids", namespace])) ?? ""
        for pid in pids.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
        HostCommand.attempt(["ip", "netns", "del", namespace])
    }

    // MARK: Building blocks

    private static func ip(_ namespace: String, _ arguments: String...) throws(LabError) {
        try HostCommand.run(["ip", "-n", namespace] + arguments)
    }

    private static func sysctl(_ namespace: String, _ setting: String) throws(LabError) {
        try HostCommand.run(["ip", "netns", "exec", namespace, "sysctl", "-qw", setting])
    }

    private static func addNamespace(_ namespace: String) throws(LabError) {
        try HostCommand.run(["ip", "netns", "add", namespace])
        try ip(namespace, "link", "set", "lo", "up")
    }

    /// The public namespace: a bridge holding the server's two addresses, which routers join.
    private static func buildInternet(_ namespace: String) throws(LabError) {
        try addNamespace(namespace)
        // A fixed MAC: a bridge otherwise takes its lowest port's, which changes as sites join.
        try ip(namespace, "link", "add", "br0", "address", bridgeMAC, "type", "bridge")
        try ip(namespace, "addr", "add", "\(serverPrimary)/24", "dev", "br0")
        try ip(namespace, "addr", "add", "\(serverAlternate)/24", "dev", "br0")
        try ip(namespace, "link", "set", "br0", "up")
        try sysctl(namespace, "net.ipv4.ip_forward=1")
        try sysctl(namespace, "net.ipv4.conf.all.send_redirects=0")
        // br_netfilter is on in new namespaces; bridged frames must not meet IP hooks here.
        for table in ["iptables", "ip6tables", "arptables"] {
            _ = try? sysctl(namespace, "net.bridge.bridge-nf-call-\(table)=0")
        }
    }

    private static func buildSite(
        _ site: LabSpec.SiteSpec, number: Int, spec: LabSpec, internet: String, natctl: String
    ) throws(LabError) -> LabState.Site {
        let lab = spec.name
        let router = "natctl-\(lab)-\(site.name)-r"
        let host = "natctl-\(lab)-\(site.name)-h"
        let wanAddress = "203.0.113.\(10 + number)"
        try addNamespace(router)
        try addNamespace(host)
        // WAN: router "wan" <-> "w-<site>" on the internet bridge, through a wire namespace when delayed.
        if spec.needsWire {
            try buildWire(site: site.name, lab: lab, router: router, internet: internet, spec: spec, natctl: natctl)
        } else {
            try HostCommand.run([
                "ip", "link", "add", "wan", "netns", router, "type", "veth", "peer", "name", "w-\(site.name)", "netns", internet,
            ])
        }
        try ip(internet, "link", "set", "w-\(site.name)", "master", "br0", "up")
        try ip(router, "addr", "add", "\(wanAddress)/24", "dev", "wan")
        try ip(router, "link", "set", "wan", "up")
        try pinNeighbours(router: router, internet: internet, wanAddress: wanAddress)
        // LAN: router "lan" <-> host "eth0".
        try HostCommand.run(["ip", "link", "add", "lan", "netns", router, "type", "veth", "peer", "name", "eth0", "netns", host])
        let (routerLAN, hostAddress, prefix) =
            site.behaviour.isPublicHost
            ? ("198.51.100.\(16 * number + 1)", "198.51.100.\(16 * number + 2)", 28)
            : ("10.0.\(number).1", "10.0.\(number).2", 24)
        try ip(router, "addr", "add", "\(routerLAN)/\(prefix)", "dev", "lan")
        try ip(router, "link", "set", "lan", "up")
        try ip(host, "addr", "add", "\(hostAddress)/\(prefix)", "dev", "eth0")
        try ip(host, "link", "set", "eth0", "up")
        try ip(host, "route", "add", "default", "via", routerLAN)
        try sysctl(router, "net.ipv4.ip_forward=1")
        if site.behaviour.isPublicHost {
            try ip(internet, "route", "add", "198.51.100.\(16 * number)/28", "via", wanAddress)
        }
        // Site-to-site traffic (and a public host's replies) crosses the internet namespace.
        try ip(router, "route", "add", "default", "via", serverPrimary)
        let ruleset =
            site.behaviour.routerRuleset(
                wanAddress: wanAddress, lossPercent: spec.lossPercent, hairpin: site.hairpin, udpTimeout: site.udpTimeoutSeconds,
                lan: site.behaviour.isPublicHost ? "198.51.100.\(16 * number)/28" : "10.0.\(number).0/24")
            + NATBehaviour.forwardRuleset(ports: site.forwardedPorts, host: hostAddress)
        if !ruleset.isEmpty {
            try HostCommand.run(["ip", "netns", "exec", router, "nft", "-f", "-"], input: ruleset)
        }
        return LabState.Site(
            name: site.name, behaviour: site.behaviour, hostNamespace: host, routerNamespace: router,
            hostAddress: hostAddress, publicAddress: site.behaviour.isPublicHost ? hostAddress : wanAddress,
            forwardedPorts: site.forwardedPorts.isEmpty ? nil : site.forwardedPorts)
    }

    /// Permanent ARP entries both ways across the WAN, so no test's first packet waits for ARP
    /// (a whole extra round trip through a delayed wire) and timings are the path's own.
    private static func pinNeighbours(router: String, internet: String, wanAddress: String) throws(LabError) {
        let brief = try HostCommand.run(["ip", "-n", router, "-br", "link", "show", "dev", "wan"])
        guard let mac = brief.split(separator: " ", omittingEmptySubsequences: true).dropFirst(2).first.map(String.init),
            mac.split(separator: ":").count == 6
        else { throw .commandFailed(command: "ip -br link show dev wan", status: 0, stderr: "no MAC address in '\(brief)'") }
        for server in [serverPrimary, serverAlternate] {
            try ip(router, "neigh", "replace", server, "lladdr", bridgeMAC, "dev", "wan", "nud", "permanent")
        }
        try ip(internet, "neigh", "replace", wanAddress, "lladdr", mac, "dev", "br0", "nud", "permanent")
    }

    /// The WAN cable with delay: router "wan" <-> "in" [wire namespace] "out" <-> "w-<site>", and
    /// natctl's userspace wire moving frames between "in" and "out" (this kernel has no netem).
    /// Checksum and segmentation offloads are off on every veth whose frames userspace copies, so
    /// frames carry complete checksums and never exceed the MTU.
    private static func buildWire(
        site: String, lab: String, router: String, internet: String, spec: LabSpec, natctl: String
    ) throws(LabError) {
        let wire = "natctl-\(lab)-\(site)-w"
        try addNamespace(wire)
        try HostCommand.run(["ip", "link", "add", "wan", "netns", router, "type", "veth", "peer", "name", "in", "netns", wire])
        try HostCommand.run(["ip", "link", "add", "out", "netns", wire, "type", "veth", "peer", "name", "w-\(site)", "netns", internet])
        for (namespace, interface) in [(router, "wan"), (wire, "in"), (wire, "out"), (internet, "w-\(site)")] {
            try HostCommand.run(["ip", "netns", "exec", namespace, "ethtool", "-K", interface, "tx", "off", "tso", "off", "gso", "off", "gro", "off"])
        }
        for interface in ["in", "out"] { try ip(wire, "link", "set", interface, "promisc", "on", "up") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "setsid", "ip", "netns", "exec", wire, natctl, "lab", "wire", "--between", "in", "out",
            "--delay", "\(spec.delayMilliseconds)", "--jitter", "\(spec.jitterMilliseconds)",
        ]
        let ready = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = ready
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw .commandFailed(command: "natctl lab wire", status: -1, stderr: "\(error)") }
        // Wait (at most 5 s) for its "ready" line: frames sent before its sockets open are lost.
        var poller = pollfd(fd: ready.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)
        let line = poll(&poller, 1, 5000) > 0 ? String(decoding: ready.fileHandleForReading.availableData, as: UTF8.self) : ""
        try? ready.fileHandleForReading.close()
        guard line.contains("ready") else {
            throw .commandFailed(command: "natctl lab wire in \(wire)", status: -1, stderr: "the delay element did not start within 5 s")
        }
    }

    /// Starts `natctl relay serve` (RFC 5780 and a TURN relay) in the public namespace, detached from our session,
    /// and waits (bounded) for its "listening" line.
    private static func startServer(in namespace: String, natctl: String, lab: String) throws(LabError) -> Int32 {
        let log = LabState.serverLog(lab)
        try? FileManager.default.createDirectory(at: log.deletingLastPathComponent(), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "setsid", "ip", "netns", "exec", namespace, natctl, "relay", "serve", "--json",
            "--listen", "\(serverPrimary):\(serverPorts.primary)", "--alternate", "\(serverAlternate):\(serverPorts.alternate)",
            "--user", "\(turnUser.name):\(turnUser.password)", "--realm", "natctl.lab",
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try? FileHandle(forWritingTo: log)
        process.standardError = try? FileHandle(forWritingTo: log)
        do { try process.run() } catch { throw .serverDidNotStart("\(error)") }
        for _ in 0..<100 {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if text.contains("listening") { return process.processIdentifier }
            if !process.isRunning { throw .serverDidNotStart(text) }
            usleep(50_000)
        }
        throw .serverDidNotStart("no 'listening' line within 5 s in \(log.path)")
    }
}
