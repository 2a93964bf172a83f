import ArgumentParser
import Foundation
import NATCapture
import NATCore
import NATWire

extension NatCtl {
    /// `natctl trace`: an operation under capture, or a capture file, explained.
    struct Trace: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Capture an operation's packets with libpcap (or read a capture) and explain what happened on the wire.",
            discussion: """
                Runs probe, classify, punch or relay test (with their own flags) while capturing \
                on the interfaces their packets use, chosen from the routing table. It prints the \
                operation's normal result, then plain sentences about its packets, problems \
                first: requests that got no reply, replies dropped by a local firewall, ICMP errors \
                and who sent them, rewritten ports, mappings that change per destination, punch \
                checks dropped at a NAT or never sent, fragmentation and path MTU, WireGuard \
                handshakes that were never answered. The operation's own deliberate probes \
                (classify's hairpin and filtering tests, punch checks to a peer's private \
                candidates) are reported as information, with what their outcome means. Then the \
                packets, one row per datagram; IPv6 neighbour discovery and other background \
                traffic comes last. --write saves the capture for Wireshark (.pcapng keeps \
                interface names and addresses; anything else is classic pcap).

                With --duration and no operation, it captures for that long and explains what \
                went by: a WireGuard interface that never connects, an application's STUN, or, \
                with --lab from outside the lab, every namespace of a lab at once. It says \
                "capturing on ..." on stderr once the capture is running.

                --read explains a capture taken elsewhere (tcpdump's pcap, natctl's pcap or \
                pcapng); --local says which address was this host when the file does not.

                Inside a lab site (natctl lab exec SITE -- natctl trace --lab NAME ...), --lab \
                also captures on every interface of every lab namespace, so a packet can be \
                followed across each NAT: each datagram is one row listing where it was seen \
                and its translated addresses, and datagrams that reached a router's WAN but \
                never this host (such as the answers to classify's filtering tests) are named \
                with the router that dropped them.

                SIGINT or SIGTERM (Ctrl-C, kill) stops a live trace early: the signal is passed \
                on to the operation, the capture stops, --write still saves it, and the report \
                of what was seen until then is printed (one complete document with --json, with \
                "interrupted" set); then natctl exits 130.

                A live capture keeps at most --capture-limit packets in memory (and in the \
                --write file); later ones are counted, not kept, and the report says how many.

                Live capture needs root or CAP_NET_RAW. Exit status: the operation's own (0, 1, \
                2, or 128 + n when a signal n killed it); 2 when the capture could not be made, \
                the file could not be read or --write could not save it; 130 when \
                interrupted.

                Example:
                  natctl trace probe --server 203.0.113.1:3478
                  natctl trace --write probe.pcapng --json classify | jq '.findings[].sentence'
                  natctl trace --read router.pcap --local 10.0.1.2
                """
        )

        @Option(name: .long, help: ArgumentHelp("Explain this capture file (pcap or pcapng) instead of running an operation.", valueName: "file"))
        var read: String?

        @Option(name: .long, help: ArgumentHelp("This host's address in a --read capture (repeatable; default: the busiest requester).", valueName: "ip"))
        var local: [String] = []

        @Option(name: .long, help: ArgumentHelp("Save the capture: .pcapng for pcapng, anything else pcap.", valueName: "file"))
        var write: String?

        @Option(name: .long, help: ArgumentHelp("Capture on this interface (repeatable; default: the routes to the operation's servers).", valueName: "name"))
        var interface: [String] = []

        @Option(name: .long, help: ArgumentHelp("Also capture on every interface of this lab's namespaces.", valueName: "lab"))
        var lab: String?

        @Option(name: .long, help: ArgumentHelp(
                "BPF capture filter (pcap-filter(7)); default: all UDP, ICMP, ICMPv6 errors (no neighbour discovery), IP fragments, and TCP to the operation's servers.",
                valueName: "expression"))
        var filter: String?

        @Option(name: .long, help: ArgumentHelp("With no operation: capture this long, then explain (a running WireGuard, a lab).", valueName: "seconds"))
        var duration: Double?

        @Option(name: .long, help: ArgumentHelp("Packets listed in text output; 0 lists none (the findings still print).", valueName: "count"))
        var packets = 40

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Keep at most this many packets of a live capture (default \(FrameBudget.defaultLimit)); later ones are counted, not kept.",
                valueName: "packets"))
        var captureLimit: Int?

        @OptionGroup var output: OutputOptions

        @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The operation and its flags: probe, classify, punch or relay test.", valueName: "operation"))
        var operation: [String] = []

        static let operations: Set<String> = ["probe", "classify", "punch", "relay"]

        func validate() throws {
            // Passthrough capture takes `--help` too when it comes first; it still means trace's help.
            if let first = operation.first, ["--help", "-h", "help"].contains(first) { throw CleanExit.helpRequest(self) }
            if let duration {
                guard operation.isEmpty, read == nil else { throw ValidationError("--duration captures without an operation; give one or the other, and no --read") }
                guard duration > 0, duration <= 3600 else { throw ValidationError("--duration must be more than 0 and at most 3600 seconds") }
            } else if read != nil {
                guard operation.isEmpty else { throw ValidationError("give --read FILE or an operation to run, not both") }
                guard interface.isEmpty, lab == nil, filter == nil, captureLimit == nil else {
                    throw ValidationError("--interface, --lab, --filter and --capture-limit apply to live captures, not --read")
                }
            } else {
                guard let first = operation.first else { throw ValidationError("name an operation to trace (probe, classify, punch or relay test), or --read FILE, or --duration SECONDS") }
                guard Self.operations.contains(first), first != "relay" || operation.dropFirst().first == "test" else {
                    throw ValidationError("natctl trace runs probe, classify, punch or relay test, not '\(operation.prefix(2).joined(separator: " "))'")
                }
                // The operation's own flags are checked now, so a typo fails before anything starts.
                do { _ = try NatCtl.parseAsRoot(operation) } catch {
                    // `natctl trace probe --help` still shows probe's help; a bad flag is a usage error.
                    guard NatCtl.exitCode(for: error) != .success else { throw error }
                    throw ValidationError("\(operation[0]): \(NatCtl.message(for: error))")
                }
            }
            for address in local where IPAddress(address) == nil { throw ValidationError("--local '\(address)' is not an IP address") }
            guard packets >= 0 else { throw ValidationError("--packets must be 0 or more") }
            if let captureLimit, captureLimit < 1 { throw ValidationError("--capture-limit must be 1 or more") }
        }

        func run() async throws {
            if let read {
                let capture: Capture
                do { capture = try await Blocking.run { () throws(CaptureFileError) in try CaptureFileReader.read(path: read) } } catch {
                    throw CommandFailure.trace(error)
                }
                return try explain(capture, source: read)
            }
            // Caught before the operation starts: a caught signal is reset to its default in the
            // child, so the operation can still be interrupted (SignalCatcher says why).
            let events = Mailbox<ChildEvent>()
            let catcher = SignalCatcher { events.push(.signal($0)) }
            defer { catcher.cancel() }
            let limit = captureLimit ?? FrameBudget.defaultLimit
            let signal: Int32?
            if let duration {
                let targets = try TraceRun.targets(interfaces: interface, destinations: [], lab: lab, routed: lab == nil)
                let live = try TraceRun.open(targets: targets, filter: filter ?? TraceRun.defaultFilter(destinations: []), limit: limit)
                // Always said, as tcpdump says "listening on": whoever makes the traffic (a script,
                // a test) knows from here on it is captured.
                let seconds = duration == duration.rounded() ? "\(Int(duration))" : "\(duration)"
                let devices = targets.map(\.description).joined(separator: ", ")
                Console.error("natctl: trace: capturing on \(devices) for up to \(seconds) s; Ctrl-C stops it and still explains what was seen")
                let captured = await TraceRun.capture(live, for: duration, events: events)
                signal = captured.signal
                try explain(captured.capture, source: "live", notKept: live.framesNotKept, signal: signal)
            } else {
                let run = try await TraceRun.start(
                    operation: operation, json: output.json, interfaces: interface, lab: lab, filter: filter, limit: limit)
                let (capture, traced, stopped) = await run.finish(events: events)
                signal = stopped
                try explain(capture, source: "live", operation: traced, notKept: run.capture.framesNotKept, signal: signal)
                if signal == nil, traced.exitCode != 0 { throw ExitCode(traced.exitCode) }
            }
            if let signal {
                Console.error("natctl: trace: stopped by \(signalName(signal)); the report covers what was captured until then")
                throw ExitStatus.interrupted
            }
        }

        /// Analyses, saves (--write) and prints: the one ending of every mode. A capture that
        /// cannot be saved is still explained, then exits 2.
        private func explain(
            _ capture: Capture, source: String, operation traced: TracedOperation? = nil, notKept: Int? = nil, signal: Int32? = nil
        ) throws {
            for warning in capture.warnings { Console.error("natctl: trace: \(warning)") }
            var report = TraceAnalyzer.report(capture, locals: Set(local.compactMap(IPAddress.init)), source: source)
            report.operation = traced
            report.packetsNotKept = notKept
            report.interrupted = signal.map(signalName)
            var saveError: CaptureFileError?
            if let write {
                do {
                    try CaptureFileWriter.write(capture, to: write)
                    report.file = write
                } catch { saveError = error }
            }
            try output.emit(report) { TraceRendering.text(report, packets: packets) }
            if let saveError { throw CommandFailure.trace(saveError) }
        }
    }
}
