import NATWire

/// The two tests `lab verify` adds to the RFC 5780 mapping and filtering tests, so a lab site's
/// `hairpin` and `udp-timeout=S` options are proven with packets, not taken on trust.
extension BehaviourCheck {
    /// RFC 5780 §4.5: send to our own mapped address and see whether the NAT loops it back.
    /// The datagram is a Binding *success response*: when it comes back, the transaction layer
    /// (which matches responses by transaction ID) completes with it, as if answered. The
    /// mapping is asked for afresh first: the filtering tests take seconds, longer than a short
    /// udp-timeout, so the mapping seen at the start may be gone.
    static func hairpin(_ socket: STUNTransport, server: TransportAddress, into observation: inout BehaviourObservation) async -> Bool {
        guard let fresh = try? await socket.transaction(STUNMessage(type: .bindingRequest), to: server, policy: policy),
            let mapped = fresh.reflexiveAddress
        else {
            observation.evidence.append("hairpin test: the server no longer answered the mapping socket")
            return false
        }
        let echo = STUNMessage(type: .bindingSuccess)
        do {
            let looped = try await socket.transaction(echo, to: mapped, policy: policy)
            observation.evidence.append("hairpin test: our datagram to \(mapped) came back from \(looped.source)")
            return true
        } catch {
            observation.evidence.append("hairpin test: our datagram to \(mapped) did not come back: \(error)")
            return false
        }
    }

    /// Leaves one mapping idle for `IdleCheckMachine.controlWait` and another for `idle`, then
    /// has the server answer to each from another socket (RESPONSE-PORT); records both outcomes.
    static func idle(_ idle: Duration, server: TransportAddress, roundTrip: Duration, into observation: inout BehaviourObservation) async {
        observation.idleMs = Double(idle.milliseconds)
        let machine = IdleCheckMachine(server: server, idle: idle, roundTrip: roundTrip)
        do {
            let outcome = try await DatagramMachineRunner.run(socketCount: machine.socketCount, family: server.ip.family) { _ in machine }.output
            observation.aliveAfterControl = outcome.aliveAfterControl
            observation.aliveAfterIdle = outcome.aliveAfterIdle
            let said = { (alive: Bool?) in alive.map { $0 ? "reached it" : "did not reach it" } ?? "could not be tried" }
            observation.evidence.append(
                "idle test: the server's answer (RESPONSE-PORT) to a mapping idle \(IdleCheckMachine.controlWait.milliseconds) ms "
                    + "\(said(outcome.aliveAfterControl)); to one idle \(idle.milliseconds) ms it \(said(outcome.aliveAfterIdle))")
        } catch {
            observation.evidence.append("idle test: \(error)")
        }
    }
}
