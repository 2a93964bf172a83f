import ArgumentParser
import NATCore
import NATLab
import NATWire
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

extension NatCtl.Lab {
    struct Up: AsyncParsableCommand, JSONDocumentCommand {
        static let schema = LabDocument.schema
        var printsJSON: Bool { output.json }

        static let configuration = CommandConfiguration(
            abstract: "Create a lab: one or two sites behind NATs, and natctl's server on the lab internet.",
            discussion: """
                A lab of the same name that is already up is left alone and natctl exits 2, \
                naming it: someone may be using it. --replace tears it down first and builds \
                this one. Leftovers of a lab whose 'up' crashed are always removed. Interrupted \
                (SIGINT, SIGTERM) half-way, it removes what it built and exits 130.
                """)

        @Option(
            name: .long,
            help: ArgumentHelp(
                "A site and its NAT behaviour, e.g. a=eim-apdf, with options: a=eim-apdf,hairpin,no-input-firewall,udp-timeout=5,cgnat or cgnat=apdm-apdf (repeatable, at most 2).",
                valueName: "name=behaviour[,options]"))
        var site: [String] = ["a=eim-apdf"]

        @Option(name: .long, help: ArgumentHelp("Random loss on each site's link to the internet, per direction, in percent (outbound: after the NATs, on the wire).", valueName: "pct"))
        var loss: Int = 0

        @Option(
            name: .long,
            help: ArgumentHelp(
                "One-way delay on each site's WAN link, in ms (natctl's userspace wire; this kernel has no netem).", valueName: "ms"))
        var delay: Int = 0

        @Option(name: .long, help: ArgumentHelp("Each frame's delay varies by up to this much either way (reorders).", valueName: "ms"))
        var jitter: Int = 0

        @Option(name: .long, help: ArgumentHelp("Forward a port from a site's router to its host, UDP and TCP (repeatable).", valueName: "site:port"))
        var forward: [String] = []

        @Flag(name: .long, help: "Give every site and the server IPv6 too (2001:db8::/32); routers firewall it, they do not NAT it.")
        var ipv6 = false

        @Flag(name: .long, help: "Tear down a lab of the same name that is up, then build this one (without it, that is refused).")
        var replace = false

        @OptionGroup var lab: LabNameOptions
        @OptionGroup var output: OutputOptions

        func validate() throws {
            do { _ = try spec() } catch { throw ValidationError(error.description) }
        }

        func spec() throws(LabError) -> LabSpec {
            var sites: [LabSpec.SiteSpec] = []
            for text in site { sites.append(try LabSpec.SiteSpec(parsing: text)) }
            var spec = LabSpec(
                name: lab.name, sites: sites, lossPercent: loss, delayMilliseconds: delay, jitterMilliseconds: jitter, ipv6: ipv6)
            for text in forward { try spec.addForward(text) }
            try spec.validate()
            return spec
        }

        func run() async throws {
            let name = lab.name
            let spec = try spec()
            let natctl = currentExecutable
            let replace = replace
            // Refused before anything else, so an interrupt now cannot take the running lab down.
            if !replace, LabBuilder.running(name) != nil { throw labFailure(.labRunning(name)) }
            // Interrupted half-way, what was built is torn down, once the build has stopped: a
            // teardown beside a build that goes on would miss what the build adds after it. The
            // build stops soon on its own: each step is one short `ip` or `nft` run, and Ctrl-C
            // stops the one running (a caught signal leaves children their default actions).
            let interrupted = NIOLockedValueBox<Int32?>(nil)
            let catcher = SignalCatcher { number in interrupted.withLockedValue { $0 = $0 ?? number } }
            defer { catcher.cancel() }
            // Seconds of `ip` and `nft` runs: off the cooperative pool.
            let built = await Blocking.run { () -> Result<LabState, LabError> in
                do throws(LabError) { return .success(try LabBuilder.up(spec, natctl: natctl, replace: replace)) } catch { return .failure(error) }
            }
            if let number = interrupted.withLockedValue({ $0 }) {
                await Blocking.run { LabBuilder.down(name) }
                throw CommandFailure(.interrupted, "lab '\(name)' removed after \(signalName(number))")
            }
            let state: LabState
            switch built {
            case .success(let up): state = up
            case .failure(let error): throw labFailure(error)
            }
            try output.emit(LabDocument(state)) { LabRendering.status(state) }
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a lab (namespaces, veths, processes), or all with --all.")

        @Flag(name: .long, help: "Remove every natctl lab on this host.")
        var all = false

        @OptionGroup var lab: LabNameOptions

        func run() async throws {
            do { try LabBuilder.preflight() } catch { throw labFailure(error) }
            let (all, name) = (all, lab.name)
            await Blocking.run { if all { LabBuilder.downAll() } else { LabBuilder.down(name) } }
        }
    }

    struct Status: AsyncParsableCommand, JSONDocumentCommand {
        static let schema = LabDocument.schema
        var printsJSON: Bool { output.json }

        static let configuration = CommandConfiguration(abstract: "Show a lab's sites, addresses and server.")

        @OptionGroup var lab: LabNameOptions
        @OptionGroup var output: OutputOptions

        func run() async throws {
            do {
                let state = try LabState.load(lab.name)
                try output.emit(LabDocument(state)) { LabRendering.status(state) }
            } catch let error as LabError {
                throw labFailure(error)
            }
        }
    }

    struct List: AsyncParsableCommand, JSONDocumentCommand {
        static let schema = "natctl.lab-list/2"
        var printsJSON: Bool { output.json }

        static let configuration = CommandConfiguration(abstract: "List the NAT behaviours a lab site can have.")

        @OptionGroup var output: OutputOptions

        struct Entry: Encodable {
            var name: String
            var description: String
            @Nullable var mapping: String?
            @Nullable var filtering: String?
        }

        struct Listing: Encodable {
            var schema = List.schema
            var behaviours: [Entry]
            var siteOptions: [String]
            var notAvailable: [String]
        }

        static let siteOptions = [
            "hairpin: the NAT whose address the world sees loops packets for it back inside (eim-* only); lab verify proves it",
            "no-input-firewall: the router keeps conntrack state for unsolicited UDP to itself, so such a packet claims the mapping it hits (many real routers; classify warns)",
            "udp-timeout=S: idle UDP mappings (and IPv6 firewall states) expire after S s; lab verify proves S <= 10",
            "cgnat, cgnat=BEHAVIOUR: a carrier-grade NAT (default eim-apdf) in front of the home router, which gets a WAN address in 100.64.0.0/10",
            "--ipv6 (lab-wide): sites and server also get 2001:db8::/32 addresses; routers firewall IPv6 statefully instead of NATing it",
        ]

        static let notAvailable = [
            "endpoint-dependent mapping that preserves ports: Linux SNAT reuses the inside endpoint's mapping, so it cannot be told from eim-*",
            "one CGNAT shared by both sites: each cgnat site has its own",
            "IPv6 NAT (NAT66/NPTv6) and IPv6-only sites: IPv6 is firewalled, next to IPv4",
            "udp-timeout over 10 s is built, but 'lab verify' does not wait that long to prove it",
            "--delay/--jitter use natctl's userspace wire (AF_PACKET), not netem, which this kernel lacks",
        ]

        func run() async throws {
            let entries = NATBehaviour.allCases.map {
                Entry(name: $0.rawValue, description: $0.summary, mapping: $0.expectedMapping, filtering: $0.expectedFiltering)
            }
            try output.emit(Listing(behaviours: entries, siteOptions: Self.siteOptions, notAvailable: Self.notAvailable)) {
                (Table.render(header: ["behaviour", "what it is"], rows: entries.map { [$0.name, $0.description] })
                    + ["", "site options (--site a=eim-apdf,OPTION,...):"] + Self.siteOptions.map { "  \($0)" }
                    + ["", "not available yet:"] + Self.notAvailable.map { "  \($0)" }).joined(separator: "\n")
            }
        }
    }
}
