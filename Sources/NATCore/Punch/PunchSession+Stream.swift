import NATWire

extension PunchSession {
    /// UDP to the server got no answer (a network that blocks UDP): rendezvous goes over TCP to
    /// the same address (`relay serve` listens there), or failing that over TLS to the
    /// server's TLS port, and so does the relay later. This side registers as `udp-blocked`, so
    /// both sides choose the relay at once: no direct path can exist without UDP.
    func fallBackToStream(server: TransportAddress, udpError: any Error) async throws {
        var failures = ["UDP (\(udpError))"]
        var attempts: [(transport: ServerTransport, address: TransportAddress)] = [(.tcp, server)]
        if let tls = configuration.serverTLS { attempts.append((.tls(tls.options), TransportAddress(ip: server.ip, port: tls.port))) }
        for (transport, address) in attempts {
            do {
                serverLink = try await connectLink(to: address, over: transport, server: server)
            } catch {
                failures.append("\(transport.name.uppercased()) \(address.port) (\(error))")
                continue
            }
            serverLinkRoute = (transport, address)
            report.serverTransport = transport.reportName
            let warning = "UDP to \(server) got no answer: rendezvous and the relay go over \(transport) to port \(address.port), so the path will be relayed"
            report.warnings.append(warning)
            onProgress(.warning(warning))
            return
        }
        throw PunchSetupError.server(
            .serverUnreachable,
            "the rendezvous server \(server.ip) did not answer over \(failures.joined(separator: ", nor ")); check the address and the firewall")
    }

    /// A stream to the server whose pushes join the rendezvous loop as if they came from
    /// `server` on the main socket.
    private func connectLink(to address: TransportAddress, over transport: ServerTransport, server: TransportAddress) async throws -> STUNTransport {
        let mailbox = mailbox
        return try await STUNTransport.connect(to: address, over: transport, limit: .seconds(3)) { envelope in
            mailbox.push(.datagram(.socket(0), server, Array(envelope.data.readableBytesView)))
        }
    }
}
