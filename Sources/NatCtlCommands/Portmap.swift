import ArgumentParser
import NATCore
import NATWire

extension PortMapProtocol: ExpressibleByArgument {}
extension MappedTransport: ExpressibleByArgument {}

extension NatCtl {
    /// `natctl portmap`: ask the gateway for an inbound port (UPnP IGD, NAT-PMP, PCP). A
    /// command of its own beside probe, because it changes the gateway; probe only reports.
    struct Portmap: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Map a port through the gateway with UPnP IGD, NAT-PMP or PCP; renew it, delete it, list mappings.",
            discussion: """
                probe reports what the gateway offers and creates nothing; portmap makes the \
                mapping. 'natctl portmap add --port 4000 --duration 3600' keeps it renewed for an \
                hour and deletes it at the end or on SIGINT/SIGTERM.
                """,
            subcommands: [Add.self, Delete.self, List.self]
        )
    }
}

/// Where and how to ask, shared by the portmap subcommands.
struct PortMapTarget: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("upnp, natpmp, pcp, or auto (PCP, then NAT-PMP, then UPnP).", valueName: "protocol"))
    var `protocol`: String = "auto"

    @Option(name: .long, help: ArgumentHelp("The gateway to ask (IPv4); default: the default route's.", valueName: "ip"))
    var gateway: String?

    @Option(name: .long, help: ArgumentHelp("Upper bound on each exchange with the gateway, in seconds.", valueName: "seconds"))
    var timeout: Double = 3

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard `protocol` == "auto" || PortMapProtocol(rawValue: `protocol`) != nil else {
            throw ValidationError("--protocol '\(`protocol`)' must be upnp, natpmp, pcp or auto")
        }
        if let gateway, IPAddress(gateway)?.family != .ipv4 { throw ValidationError("--gateway '\(gateway)' must be an IPv4 address") }
        guard timeout > 0, timeout <= 600 else { throw ValidationError("--timeout must be between 0 and 600 seconds") }
    }

    var kinds: [PortMapProtocol] { PortMapProtocol(rawValue: `protocol`).map { [$0] } ?? PortMapSelection.automaticOrder }
    var limit: Duration { .milliseconds(Int(timeout * 1000)) }

    /// The gateway, or the failure document's cause.
    func findGateway(into report: inout PortMapCommandReport) throws -> DefaultGateway {
        do {
            let found = try DefaultGateway.find(given: gateway.flatMap(IPAddress.init))
            report.gateway = found.address.description
            report.localAddress = found.localAddress.description
            return found
        } catch {
            throw CommandFailure(.portmapFailed, error.message)
        }
    }

    /// Prints the document (text or JSON) with its error and duration, then fails if it did.
    func finish(_ report: inout PortMapCommandReport, started: ContinuousClock.Instant, failure: CommandFailure?) throws {
        report.error = failure?.object
        report.durationMs = (ContinuousClock.now - started).millisecondsDouble
        let final = report
        try output.emit(final) { PortmapRendering.text(final) }
        if let failure { throw failure }
    }

    /// The cause when every protocol failed: no answer at all, or refusals.
    static func failure(_ attempts: [PortMapSelection.Attempt], doing what: String) -> CommandFailure {
        let reasons = PortMapSelection.reasons(attempts)
        let silent = attempts.allSatisfy { $0.error.code == PortMapError.Kind.noAnswer.rawValue }
        return CommandFailure(silent ? .noAnswer : .portmapFailed, "could not \(what): \(reasons)")
    }
}
