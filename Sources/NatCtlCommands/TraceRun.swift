import ArgumentParser
import Foundation
import Libp2pWire
import NATCapture
import NATCore
import NATLab
import NATWire

/// A live trace: the capture is active before the operation starts, the operation runs as a
/// child natctl (so its output, exit code and JSON are exactly its own), and the capture
/// stops a moment after it exits, or as soon as natctl is told to stop (`TraceRun+Finish`).
struct TraceRun {
    let capture: LiveCapture
    let process: Process
    let exit: ChildExit
    let command: [String]
    /// The child's stdout, read to its end off the cooperative pool (with --json; nil otherwise).
    let output: Task<Data?, Never>

    /// How long the capture keeps going after the operation exits: late replies and ICMP
    /// errors still in flight belong in the explanation. No event marks "nothing more is
    /// coming", so this is a bounded wait by design.
    static let linger = Duration.milliseconds(250)

    static func start(
        operation: [String], json: Bool, interfaces: [String], lab: String?, filter: String?, limit: Int
    ) async throws -> TraceRun {
        let destinations = await destinations(of: operation)
        let capture = try open(
            targets: try targets(interfaces: interfaces, destinations: destinations, lab: lab),
            filter: filter ?? defaultFilter(destinations: destinations), limit: limit)
        let command = json && !operation.contains("--json") ? operation + ["--json"] : operation
        let process = Process()
        process.executableURL = URL(fileURLWithPath: currentExecutable)
        process.arguments = command
        let pipe = json ? Pipe() : nil
        if let pipe { process.standardOutput = pipe }
        let exit = ChildExit(watching: process)
        do { try process.run() } catch {
            _ = await Blocking.run { capture.stop() }
            throw CommandFailure(.failed, "trace: cannot start '\(command.joined(separator: " "))': \(error.localizedDescription)")
        }
        // Read the child's stdout while it runs, so a large report cannot fill the pipe and stall
        // it; the read blocks until the child closes it, so it gets a Dispatch thread of its own.
        let output = Task { await Blocking.run { pipe?.fileHandleForReading.readDataToEndOfFile() } }
        return TraceRun(capture: capture, process: process, exit: exit, command: operation, output: output)
    }

    // MARK: Where to capture

    /// Opens the capture, or says why not (exit 2).
    static func open(targets: [CaptureTarget], filter: String, limit: Int) throws -> LiveCapture {
        do { return try LiveCapture(targets: targets, filter: filter, frameLimit: limit) } catch { throw CommandFailure.trace(error) }
    }

    /// `--interface` devices, else the routes' devices (not with `--lab` alone and no
    /// operation: then only the lab is captured), plus every lab device.
    static func targets(interfaces: [String], destinations: [IPAddress], lab: String?, routed: Bool = true) throws -> [CaptureTarget] {
        var targets = interfaces.map { CaptureTarget(interface: $0) }
        if targets.isEmpty, routed {
            targets = routedInterfaces(destinations).map { CaptureTarget(interface: $0) }
        }
        if let lab { targets += try labTargets(lab) }
        return targets
    }

    /// The servers and peers the operation will talk to, as far as its flags (or
    /// NATCTL_SERVERS) say; empty when they cannot be known in advance.
    static func destinations(of operation: [String]) async -> [IPAddress] {
        let named: [String]
        var multiaddrs: [Multiaddr] = []  // libp2p nodes: TCP to them
        switch try? NatCtl.parseAsRoot(operation) {
        case let probe as NatCtl.Probe:
            named = probe.server
            multiaddrs = (try? probe.libp2pNodes()) ?? []
        case let classify as NatCtl.Classify:
            named = classify.server
            multiaddrs = (try? Libp2pAddressOption.parse(classify.autonat, flag: "--autonat")) ?? []
        case let punch as NatCtl.Punch: named = (punch.server.map { [$0] } ?? []) + punch.peer
        case let relay as NatCtl.Relay.Test: named = (relay.turn.server.map { [$0] } ?? []) + (relay.peer.map { [$0] } ?? [])
        default: named = []
        }
        let specs = (try? ServerChoice.named(named)) ?? []
        // All at once, as the operation itself resolves them: n slow names cost 2 s, not 2n.
        let addresses = await ServerSpec.resolveAll(specs, limit: .seconds(2)).flatMap { (try? $0.get()) ?? [] }
        var nodes: [IPAddress] = []
        for node in multiaddrs { if let ip = (try? await node.resolvingName(limit: .seconds(2)))?.tcpAddress?.ip { nodes.append(ip) } }
        return Array(Set(addresses + nodes)).sorted()
    }

    /// One interface per route the destinations take; the default route's when none is known.
    static func routedInterfaces(_ destinations: [IPAddress]) -> [String] {
        // 192.0.2.1 (TEST-NET-1) only asks the routing table for the default route; nothing is sent.
        let toward = destinations.isEmpty ? [IPAddress("192.0.2.1")].compactMap { $0 } : destinations
        let names = Set(toward.compactMap { InterfaceAddresses.route(toward: $0)?.interface })
        return names.isEmpty ? ["any"] : names.sorted()
    }

    /// Every device of every namespace of the lab, except the namespace natctl runs in.
    static func labTargets(_ name: String) throws -> [CaptureTarget] {
        let state: LabState
        do { state = try LabState.load(name) } catch { throw labFailure(error) }
        var targets: [CaptureTarget] = []
        for namespace in state.namespaces where !NamespaceInterfaces.isCurrent(namespace) {
            do {
                targets += try NamespaceInterfaces.list(namespace: namespace).map { CaptureTarget(interface: $0, namespace: namespace) }
            } catch {
                throw CommandFailure(.captureFailed, "trace: \(error)")
            }
        }
        return targets
    }

    /// All UDP (RFC 5780 tests also talk to the server's alternate address, hairpin tests to the
    /// mapped address, punch to peers: none known in advance), TCP to the servers (dial-back),
    /// ICMP, ICMPv6 errors (types below 128: not router or neighbour discovery), and fragments of
    /// either IP version (later pieces carry no ports, and libpcap's `udp` does not follow IPv6
    /// extension headers). `--filter`'s help says the same; keep them in step.
    static func defaultFilter(destinations: [IPAddress]) -> String {
        let rest = "udp or icmp or (icmp6 and ip6[40] < 128) or (ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44)"
        guard !destinations.isEmpty else { return rest }
        let hosts = destinations.map { "host \($0)" }.joined(separator: " or ")
        return "(tcp and (\(hosts))) or \(rest)"
    }
}
