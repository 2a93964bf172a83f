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
                open on a router that keeps separate tables. Only UPnP's answer is proof: when \
                UPnP answers and refuses for any reason but 714 NoSuchEntryInArray, the delete \
                counts as failed (exit 2) whatever NAT-PMP and PCP said.
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
                let nonce = nonce.flatMap(PortMapping.nonce(hex:))
                // PCP can only delete with the nonce; without it, it is not asked.
                let kinds = target.kinds.filter { $0 != .pcp || nonce != nil }
                // The protocol is the one that deletes it; until then, the first to ask.
                let mapping = PortMapping(
                    protocol: kinds[0], transport: transport, internalAddress: gateway.localAddress, internalPort: port, externalAddress: nil,
                    externalPort: externalPort ?? port, lifetimeSeconds: 0, nonce: nonce)
                report.mapping = mapping
                var succeeded: [PortMapProtocol] = []
                var upnpError: PortMapError?
                for kind in kinds {
                    do {
                        let mapper = try await PortMapSelection.mapper(kind, gateway: gateway, limit: target.limit)
                        try await mapper.delete(mapping, limit: target.limit)
                        succeeded.append(kind)
                    } catch {
                        report.attempts.append(.init(kind, error))
                        if kind == .upnp { upnpError = error }
                    }
                }
                // NAT-PMP and PCP answer success for mappings they do not hold, so only UPnP's
                // word is proof: a UPnP that answered and refused for another reason than "no
                // such entry" (714) may still hold the mapping.
                let upnpRefusal = upnpError.flatMap { $0.kind == .refused && $0.resultCode != UPnPErrorCode.noSuchEntryInArray ? $0 : nil }
                let winner = succeeded.contains(.upnp) ? .upnp : succeeded.first
                if let winner, upnpRefusal == nil {
                    report.protocol = winner
                    report.mapping?.protocol = winner
                    report.deleted = true
                } else {
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
