import NATWire

extension PunchSession {
    /// UDP to the server got no answer (a network that blocks UDP): rendezvous goes over TCP to
    /// the same address (`relay serve` listens there), and so does the relay later. This side
    /// registers as `udp-blocked`, so both sides choose the relay at once: no direct path can
    /// exist without UDP.
    func fallBackToTCP(server: TransportAddress, udpError: any Error) async throws {
        let mailbox = mailbox
        do {
            serverLink = try await STUNTransport.connect(to: server, over: .tcp, limit: .seconds(3)) { envelope in
                // The server's pushes join the rendezvous loop as if they came on the main socket.
                mailbox.push(.datagram(.socket(0), server, Array(envelope.data.readableBytesView)))
            }
        } catch {
            throw PunchSetupError.server(
                .serverUnreachable,
                "the rendezvous server \(server) did not answer over UDP (\(udpError)) nor TCP (\(error)); check the address and the firewall")
        }
        report.serverTransport = "tcp"
        let warning = "UDP to \(server) got no answer: rendezvous and the relay go over TCP, so the path will be relayed"
        report.warnings.append(warning)
        onProgress(.warning(warning))
    }
}
