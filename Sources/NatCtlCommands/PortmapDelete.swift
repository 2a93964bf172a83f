import ArgumentParser
import NATCore
import NATWire

extension NatCtl.Portmap {
    /// `natctl portmap delete`: removes a mapping this host made.
    struct Delete: AsyncParsableCommand, JSONDocumentCommand {
        static let schema = PortMapCommandReport.schema
        var printsJSON: Bool { target.output.json }

        static let configuration = CommandConfiguration(
            abstract: "Delete a mapping this host made.",
            discussion: """
                NAT-PMP deletes by local port, UPnP by external port, PCP by local port and the \
                nonce 'portmap add' printed (--nonce). With --protocol auto, every protocol that \
                can is asked: NAT-PMP and PCP answer success for a mapping they do not hold \
                (RFC 6886 §3.4), so stopping at the first success could leave a UPnP mapping \
                open on a router that keeps separate tables.
                """
        )

        @Option(name: .long, help: ArgumentHelp("The local port that was mapped.", valueName: "port"))
        var port: UInt16

        @Option(name: .long, help: "udp or tcp.")
        var transport: MappedTransport = .udp

        @Option(name: .long, help: ArgumentHelp("The external port (UPnP); default: --port.", valueName: "port"))
        var externalPort: UInt16?

        @Option(name: .long, help: ArgumentHelp("PCP's mapping nonce, 24 hex digits, as 'portmap add' printed it.", valueName: "hex"))
        var nonce: String?

        @OptionGroup var target: PortMapTarget

        func validate() throws {
            guard port != 0 else { throw ValidationError("--port must be 1-65535") }
            if let nonce, PortMapping.nonce(hex: nonce) == nil { throw ValidationError("--nonce must be 24 hex digits") }
            if target.protocol == "pcp", nonce == nil { throw ValidationError("PCP deletes a mapping only with its nonce: give --nonce") }
        }

        func run() async throws {
            let started = ContinuousClock.now
            var report = PortMapCommandReport(action: "delete")
            var failure: CommandFailure?
            do {
                let gateway = try target.findGateway(into: &report)
                // The protocol is the one that deletes it; until then, the first to try.
                let mapping = PortMapping(
                    protocol: target.kinds[0], transport: transport, internalAddress: gateway.localAddress, internalPort: port, externalAddress: nil,
                    externalPort: externalPort ?? port, lifetimeSeconds: 0, nonce: nonce.flatMap(PortMapping.nonce(hex:)))
                report.mapping = mapping
                for kind in target.kinds where kind != .pcp || mapping.nonce != nil {
                    do {
                        let mapper = try await PortMapSelection.mapper(kind, gateway: gateway, limit: target.limit)
                        try await mapper.delete(mapping, limit: target.limit)
                        if report.protocol == nil {
                            report.protocol = kind
                            report.mapping?.protocol = kind
                        }
                        report.deleted = true
                    } catch {
                        report.attempts.append(.init(kind, error))
                    }
                }
                if report.deleted != true {
                    report.deleted = false
                    failure = PortMapTarget.failure(report.attempts, doing: "delete the mapping of \(transport.rawValue) port \(port)")
                }
            } catch let cause as CommandFailure { failure = cause }
            try target.finish(&report, started: started, failure: failure)
        }
    }

    /// `natctl portmap list`: the gateway's mapping table (UPnP only: NAT-PMP and PCP have no listing).
    struct List: AsyncParsableCommand, JSONDocumentCommand {
        static let schema = PortMapCommandReport.schema
        var printsJSON: Bool { target.output.json }

        static let configuration = CommandConfiguration(
            abstract: "List the gateway's port mappings (UPnP; NAT-PMP and PCP cannot list).")

        @OptionGroup var target: PortMapTarget

        func validate() throws {
            guard target.protocol == "auto" || target.protocol == "upnp" else {
                throw ValidationError("only UPnP can list mappings; NAT-PMP and PCP have no such request")
            }
        }

        func run() async throws {
            let started = ContinuousClock.now
            var report = PortMapCommandReport(action: "list")
            var failure: CommandFailure?
            do {
                let gateway = try target.findGateway(into: &report)
                do {
                    let mapper = try await PortMapSelection.mapper(.upnp, gateway: gateway, limit: target.limit)
                    report.mappings = try await mapper.list(limit: target.limit)
                    report.protocol = .upnp
                } catch {
                    report.attempts.append(.init(.upnp, error))
                    failure = PortMapTarget.failure(report.attempts, doing: "list the gateway's mappings")
                }
            } catch let cause as CommandFailure { failure = cause }
            try target.finish(&report, started: started, failure: failure)
        }
    }
}
