import ArgumentParser
import Foundation
import NATCore
import NATLab
import NATWire

extension NatCtl.Lab {
    struct Exec: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a command on a lab site's host, with NATCTL_SERVERS set to the lab's server.",
            discussion: """
                Options such as --name go before the site; everything after it is the command.

                SIGINT and SIGTERM sent to natctl are passed on to the command. natctl exits \
                with the command's own status, or 128 + n when signal n killed it (130 for \
                SIGINT, 143 for SIGTERM), as a shell would; 2 when the lab or site does not exist.

                Example: natctl lab exec --name demo a -- natctl probe --json
                """)

        @Argument(help: "The site whose host runs the command.")
        var site: String

        @Argument(parsing: .captureForPassthrough, help: "The command and its arguments (after --).")
        var command: [String] = []

        @OptionGroup var lab: LabNameOptions

        func run() async throws {
            var arguments = command
            if arguments.first == "--" { arguments.removeFirst() }
            guard !arguments.isEmpty else { throw ValidationError("name a command after --, e.g. -- natctl probe") }
            // Caught before the command starts (it gets the default actions back at exec), so a
            // signal in between is passed on rather than lost.
            let events = Mailbox<ChildEvent>()
            let catcher = SignalCatcher { events.push(.signal($0)) }
            defer { catcher.cancel() }
            let child: (process: Process, exit: ChildExit)
            do throws(LabError) {
                let state = try LabState.load(lab.name)
                let host = try state.site(site).hostNamespace
                if arguments.first == "natctl" { arguments[0] = currentExecutable }
                child = try LabRunner.start(in: host, arguments, servers: state.servers)
            } catch {
                throw labFailure(error)
            }
            let supervisor = ChildSupervisor(pid: child.process.processIdentifier, exit: child.exit, events: events, grace: nil)
            let (end, _) = await supervisor.wait()
            throw ExitCode(end.status)
        }
    }

    struct Verify: AsyncParsableCommand, JSONDocumentCommand {
        static let schema = LabVerification.schema
        var printsJSON: Bool { output.json }

        static let configuration = CommandConfiguration(
            abstract: "Prove each site's NAT behaviour with packets before anyone trusts its label.",
            discussion: """
                Runs RFC 5780 mapping tests (one socket to both server IPs and ports) and \
                filtering tests (unsolicited answers from the other IP and port, via \
                CHANGE-REQUEST) on each site's host, and compares what the packets show with \
                the behaviour's label (both layers' combined for a CGNAT site; a stateful \
                firewall's for IPv6). It also sends to the host's own mapped address (hairpin), \
                and for a udp-timeout of at most 10 s leaves a mapping idle that long plus 1 s \
                and checks the server can no longer reach it. Exits 1 when a site does not \
                behave as labelled.
                """)

        @OptionGroup var lab: LabNameOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            var report: LabVerification
            let name = lab.name
            let natctl = currentExecutable
            // Minutes of checks: on a terminal, which site is being checked and for how long.
            let line = ProgressLine.start(json: output.json)
            let progress = line.map(NatCtl.Lab.verifyProgress(on:))
            do throws(LabError) {
                // Minutes of child processes and waits: off the cooperative pool.
                report = try await Blocking.run { () throws(LabError) in
                    try LabVerification.run(try LabState.load(name), natctl: natctl, progress: progress)
                }
            } catch {
                line?.finish()
                throw labFailure(error)
            }
            line?.finish()
            let mismatched = report.sites.filter { !$0.passed }.map(\.site)
            let failure =
                mismatched.isEmpty
                ? nil : CommandFailure(.assertionFailed, "lab '\(name)': site \(mismatched.joined(separator: ", ")) did not behave as labelled")
            report.error = failure?.object
            try output.emit(report) { LabRendering.verification(report) }
            if let failure { throw failure }
        }
    }

    /// Shows a check starting as what `lab verify` waits for, and each site's verdict as a note.
    static func verifyProgress(on line: ProgressLine) -> @Sendable (LabVerification.Progress) -> Void {
        { event in
            switch event {
            case .checking(let what): line.wait(for: what)
            case .finished(let verdict): line.note(verdict)
            }
        }
    }

    /// Internal: the behaviour check `lab verify` runs inside a site's host namespace.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the RFC 5780 behaviour check against one server (used by 'lab verify').", shouldDisplay: false)

        @Option(name: .long, help: "The RFC 5780 server, ip:port or [v6]:port.")
        var server: String

        @Flag(name: .long, help: "Also send to our own mapped address and see whether the NAT loops it back.")
        var hairpin = false

        @Option(name: .long, help: ArgumentHelp("Also see whether a mapping idle this long is gone (RESPONSE-PORT).", valueName: "seconds"))
        var idle: Int?

        func validate() throws {
            if let idle, !(1...60).contains(idle) { throw ValidationError("--idle must be 1 to 60 seconds") }
        }

        func run() async throws {
            guard let address = TransportAddress(server) else { throw ValidationError("--server must be ip:port or [v6]:port") }
            let observation = await BehaviourCheck.run(server: address, hairpin: hairpin, idle: idle.map { .seconds($0) })
            Console.result(try ReportJSON.encode(observation))
        }
    }
}

extension NatCtl.Lab {
    /// Internal: the userspace delay element `lab up --delay` runs in each site's wire namespace.
    struct Wire: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forward frames between two interfaces with a delay (used by 'lab up --delay').", shouldDisplay: false)

        @Option(name: .long, parsing: .upToNextOption, help: "The two interfaces to join.")
        var between: [String]

        @Option(name: .long, help: "One-way delay in milliseconds.")
        var delay: Int = 0

        @Option(name: .long, help: "Jitter in milliseconds.")
        var jitter: Int = 0

        func validate() throws {
            guard between.count == 2 else { throw ValidationError("--between takes exactly two interfaces") }
            guard delay >= 0, (0...max(delay, 0)).contains(jitter) else { throw ValidationError("need 0 <= --jitter <= --delay") }
        }

        func run() throws {
            let settings = FrameWire.Settings(interfaces: (between[0], between[1]), delayMilliseconds: delay, jitterMilliseconds: jitter)
            // `lab up` waits for this line, so the link carries frames before anyone uses it.
            do { try FrameWire.run(settings) { Console.result("ready") } } catch {
                Console.error("natctl: \(error)")
                throw ExitStatus.operationFailed
            }
        }
    }
}
