import ArgumentParser
import NATCore
import NATWire

extension NatCtl.Portmap {
    /// `natctl portmap add`: one mapping, left to expire, or kept renewed for `--duration`.
    struct Add: AsyncParsableCommand, JSONDocumentCommand {
        static let schema = PortMapCommandReport.schema
        var printsJSON: Bool { target.output.json }

        static let configuration = CommandConfiguration(
            abstract: "Map a local port through the gateway.",
            discussion: """
                Without --duration the mapping is made and left to live --lifetime seconds. With \
                --duration, natctl keeps running, renews the mapping at half its lifetime and \
                deletes it when the duration ends or on SIGINT/SIGTERM.

                Examples:
                  natctl portmap add --port 51820
                  natctl portmap add --port 4000 --transport tcp --protocol upnp --duration 600 --json
                """
        )

        @Option(name: .long, help: ArgumentHelp("The local port to map.", valueName: "port"))
        var port: UInt16

        @Option(name: .long, help: "udp or tcp.")
        var transport: MappedTransport = .udp

        @Option(name: .long, help: ArgumentHelp("The external port wanted; the gateway may give another. Default: any.", valueName: "port"))
        var externalPort: UInt16 = 0

        @Option(name: .long, help: ArgumentHelp("Seconds the mapping lives (renewed with --duration).", valueName: "seconds"))
        var lifetime: UInt32 = 7200

        @Option(name: .long, help: ArgumentHelp("Keep the mapping this long, renewing it, then delete it.", valueName: "seconds"))
        var duration: Double?

        @Option(name: .customLong("description"), help: "The name the router shows for the mapping (UPnP).")
        var label: String = "natctl"

        @OptionGroup var target: PortMapTarget

        func validate() throws {
            guard port != 0 else { throw ValidationError("--port must be 1-65535") }
            guard (1...604_800).contains(lifetime) else { throw ValidationError("--lifetime must be 1 to 604800 seconds") }
            if let duration, !(duration > 0 && duration <= 86_400 * 30) { throw ValidationError("--duration must be between 0 and 2592000 seconds") }
        }

        func run() async throws {
            let started = ContinuousClock.now
            // Caught from the start, so a signal during the first exchange still deletes.
            let termination = duration.map { TerminationSignal(limitSeconds: $0) }
            var report = PortMapCommandReport(action: "add")
            let gateway: DefaultGateway
            do { gateway = try target.findGateway(into: &report) } catch let failure as CommandFailure {
                try target.finish(&report, started: started, failure: failure)
                return
            }
            let request = PortMapRequest(transport: transport, internalPort: port, suggestedExternalPort: externalPort, lifetimeSeconds: lifetime, description: label)
            let added = await PortMapSelection.add(request, kinds: target.kinds, gateway: gateway, limit: target.limit)
            report.attempts = added.attempts
            guard let mapper = added.mapper, let mapping = added.mapping else {
                try target.finish(&report, started: started, failure: PortMapTarget.failure(added.attempts, doing: "map \(transport.rawValue) port \(port)"))
                return
            }
            report.protocol = mapper.kind
            report.mapping = mapping
            report.externalIsPublic = mapping.externalAddress?.isPubliclyRoutable
            if report.externalIsPublic == false, let external = mapping.externalAddress {
                report.warnings.append("the external address \(external) is not public: another NAT stands between the gateway and the internet, so this mapping does not reach this host from outside")
            }
            if let termination {
                // On stderr at once, so a person (or a script waiting for it) knows the port is open.
                Console.error("natctl portmap: mapped with \(mapper.kind.displayName): \(PortmapRendering.describe(mapping)); renewing it until the duration ends or SIGINT/SIGTERM, then deleting it")
                await keep(mapping, with: mapper, until: termination, into: &report)
            }
            try target.finish(&report, started: started, failure: nil)
        }

        /// Renews at half the granted lifetime until the run ends, then deletes.
        private func keep(_ first: PortMapping, with mapper: any PortMapper, until termination: TerminationSignal, into report: inout PortMapCommandReport) async {
            enum Event: Sendable { case renew, stop(String) }
            let (events, continuation) = AsyncStream.makeStream(of: Event.self)
            let stopper = Task { continuation.yield(.stop(await termination.wait())) }
            var mapping = first
            report.renewals = 0
            while true {
                let interval = Duration.seconds(max(1, Int(mapping.lifetimeSeconds == 0 ? lifetime : mapping.lifetimeSeconds) / 2))
                let timer = Task {
                    try? await Task.sleep(for: interval)
                    if !Task.isCancelled { continuation.yield(.renew) }
                }
                var iterator = events.makeAsyncIterator()
                let event = await iterator.next() ?? .stop("ended")
                timer.cancel()
                if case .stop(let reason) = event {
                    report.stoppedBy = reason
                    break
                }
                do {
                    mapping = try await mapper.renew(mapping, lifetimeSeconds: lifetime, limit: target.limit)
                    report.mapping = mapping
                    report.renewals = (report.renewals ?? 0) + 1
                } catch {
                    report.warnings.append("renewal \((report.renewals ?? 0) + 1) failed: \(error.message)")
                }
            }
            stopper.cancel()
            do {
                try await mapper.delete(mapping, limit: target.limit)
                report.deleted = true
            } catch {
                report.deleted = false
                report.warnings.append("the mapping could not be deleted (it expires on its own): \(error.message)")
            }
        }
    }
}
