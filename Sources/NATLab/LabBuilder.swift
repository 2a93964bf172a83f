import Foundation
import NATCore

/// Builds and removes labs: network namespaces joined by veth pairs, a bridge for the "internet",
/// nftables NAT on each site's router, and natctl's RFC 5780 server in the public namespace.
///
/// Addresses: the internet is 203.0.113.0/24 (server 203.0.113.1 and .2; site N's edge .10+N)
/// and, with `--ipv6`, 2001:db8::/64 (server ::1 and ::2); `SiteAddresses` has each site's plan.
public enum LabBuilder {
    static let serverPrimary = "203.0.113.1"
    static let serverAlternate = "203.0.113.2"
    static let serverPrimary6 = "2001:db8::1"
    static let serverAlternate6 = "2001:db8::2"
    static let serverPorts = (primary: 3478, alternate: 3479)
    /// The TURN user every lab's relay accepts; `lab exec` hands it to commands as
    /// `NATCTL_TURN_USER`/`NATCTL_TURN_PASSWORD`, so `relay test` inside needs no flags.
    public static let turnUser = (name: "natctl", password: "natctl-lab")
    static let bridgeMAC = "02:00:cb:00:71:01"

    /// Brings a lab up. A lab of that name that is up (`running`) is refused, unless `replace`
    /// says to tear it down first: silently replacing it would pull the namespaces from under
    /// whoever is using it. Leftovers of a crashed `up` (namespaces without a state file) are
    /// always removed. On failure everything created so far is removed again.
    public static func up(_ spec: LabSpec, natctl: String, replace: Bool = false) throws(LabError) -> LabState {
        try spec.validate()
        try HostCommand.preflight(wire: spec.needsWire)
        if !replace, running(spec.name) != nil { throw .labRunning(spec.name) }
        down(spec.name)
        let started = ContinuousClock.now
        let publicNamespace = "natctl-\(spec.name)-pub"
        var state = LabState(
            name: spec.name, sites: [], publicNamespace: publicNamespace,
            servers: ["\(serverPrimary):\(serverPorts.primary)", "\(serverAlternate):\(serverPorts.alternate)"],
            serverPID: nil,
            servers6: spec.ipv6 ? ["[\(serverPrimary6)]:\(serverPorts.primary)", "[\(serverAlternate6)]:\(serverPorts.alternate)"] : nil,
            server6PID: nil, lossPercent: spec.lossPercent, delayMilliseconds: spec.delayMilliseconds,
            jitterMilliseconds: spec.jitterMilliseconds, upMilliseconds: 0)
        do {
            try buildInternet(publicNamespace, ipv6: spec.ipv6)
            for (index, site) in spec.sites.enumerated() {
                state.sites.append(try buildSite(site, number: index + 1, spec: spec, internet: publicNamespace, natctl: natctl))
            }
            state.serverPID = try startServer(in: publicNamespace, natctl: natctl, log: LabState.serverLog(spec.name), addresses: state.servers)
            if let servers6 = state.servers6 {
                // natctl's server serves one address family, so IPv6 gets a second one.
                state.server6PID = try startServer(
                    in: publicNamespace, natctl: natctl, log: LabState.serverLog(spec.name, family: "6"), addresses: servers6)
            }
            // After the server: miniupnpd checks its WAN with STUN against it as it starts.
            for index in state.sites.indices where state.sites[index].portMapping != nil {
                state.sites[index].portMapperPID = try startPortMapper(state.sites[index], lab: spec.name)
            }
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
        for pid in [state?.serverPID, state?.server6PID].compactMap({ $0 }) + (state?.sites.compactMap(\.portMapperPID) ?? []) { kill(pid, SIGKILL) }
        for namespace in namespaces(prefix: "natctl-\(name)-") { removeNamespace(namespace) }
        LabState.remove(name)
    }

    /// The state of the lab called `name` if it is up: its state file (written only once a lab
    /// is complete) names a public namespace that still exists. A state file whose namespaces
    /// are gone (deleted by hand) is a leftover, not a running lab.
    public static func running(_ name: String) -> LabState? {
        guard let state = try? LabState.load(name) else { return nil }
        return namespaces(prefix: state.publicNamespace).contains(state.publicNamespace) ? state : nil
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

    static func ip(_ namespace: String, _ arguments: String...) throws(LabError) {
        try HostCommand.run(["ip", "-n", namespace] + arguments)
    }

    static func sysctl(_ namespace: String, _ settings: String...) throws(LabError) {
        try HostCommand.run(["ip", "netns", "exec", namespace, "sysctl", "-qw"] + settings)
    }

    /// A namespace with loopback up. With IPv6, duplicate address detection is off before any
    /// interface exists (so link-local addresses too are usable at once, not "tentative" for a
    /// second while the first packets wait) and forwarding is on for routers.
    static func addNamespace(_ namespace: String, ipv6: Bool = false) throws(LabError) {
        try HostCommand.run(["ip", "netns", "add", namespace])
        try ip(namespace, "link", "set", "lo", "up")
        if ipv6 { try sysctl(namespace, "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0") }
    }

    /// The public namespace: a bridge holding the server's two addresses (per family), which routers join.
    private static func buildInternet(_ namespace: String, ipv6: Bool) throws(LabError) {
        try addNamespace(namespace, ipv6: ipv6)
        // A fixed MAC: a bridge otherwise takes its lowest port's, which changes as sites join.
        try ip(namespace, "link", "add", "br0", "address", bridgeMAC, "type", "bridge")
        try ip(namespace, "addr", "add", "\(serverPrimary)/24", "dev", "br0")
        try ip(namespace, "addr", "add", "\(serverAlternate)/24", "dev", "br0")
        if ipv6 {
            try ip(namespace, "addr", "add", "\(serverPrimary6)/64", "dev", "br0", "nodad")
            try ip(namespace, "addr", "add", "\(serverAlternate6)/64", "dev", "br0", "nodad")
            try sysctl(namespace, "net.ipv6.conf.all.forwarding=1")
        }
        try ip(namespace, "link", "set", "br0", "up")
        try sysctl(namespace, "net.ipv4.ip_forward=1")
        // It routes between sites (their WANs are /32s): no redirects telling one router to
        // send straight to another.
        try sysctl(namespace, "net.ipv4.conf.all.send_redirects=0", "net.ipv4.conf.br0.send_redirects=0")
        // br_netfilter is on in new namespaces; bridged frames must not meet IP hooks here.
        for table in ["iptables", "ip6tables", "arptables"] {
            _ = try? sysctl(namespace, "net.bridge.bridge-nf-call-\(table)=0")
        }
    }

    /// The WAN cable with delay: router "wan" <-> "in" [wire namespace] "out" <-> "w-<site>", and
    /// natctl's userspace wire moving frames between "in" and "out" (this kernel has no netem).
    /// Checksum and segmentation offloads are off on every veth whose frames userspace copies, so
    /// frames carry complete checksums and never exceed the MTU.
    static func buildWire(
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

    /// Starts `natctl relay serve` (RFC 5780 and a TURN relay) on `addresses` (primary, alternate) in the public
    /// namespace, detached from our session, and waits (bounded) for its "listening" line in `log`.
    private static func startServer(in namespace: String, natctl: String, log: URL, addresses: [String]) throws(LabError) -> Int32 {
        let command = [
            natctl, "relay", "serve", "--json", "--listen", addresses[0], "--alternate", addresses[1],
            "--user", "\(turnUser.name):\(turnUser.password)", "--realm", "natctl.lab",
        ]
        return try launchDetached(command, in: namespace, log: log, seconds: 5) { text in text.contains("listening") }
    }

    /// Starts `command` in `namespace`, detached from our session (setsid), with its output in
    /// `log`, and waits (at most `seconds`) until `isReady` says the log shows it is; `isReady`
    /// may throw to refuse what the log says. The process is ended on every failure.
    static func launchDetached(
        _ command: [String], in namespace: String, log: URL, seconds: Int, isReady: (String) throws(LabError) -> Bool
    ) throws(LabError) -> Int32 {
        try? FileManager.default.createDirectory(at: log.deletingLastPathComponent(), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["setsid", "ip", "netns", "exec", namespace] + command
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try? FileHandle(forWritingTo: log)
        process.standardError = try? FileHandle(forWritingTo: log)
        do { try process.run() } catch { throw .serverDidNotStart("\(command[0]): \(error)") }
        // The log is a file the process writes: polling it is the only way to see the line.
        for _ in 0..<(seconds * 20) {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            do {
                if try isReady(text) { return process.processIdentifier }
            } catch {
                process.terminate()
                throw error
            }
            if !process.isRunning { throw .serverDidNotStart("\(command[0]) exited: \(text.suffix(600))") }
            usleep(50_000)
        }
        process.terminate()
        throw .serverDidNotStart("\(command[0]) was not ready within \(seconds) s; see \(log.path)")
    }
}
