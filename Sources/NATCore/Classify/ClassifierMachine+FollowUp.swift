import NATWire

/// What each answer makes possible: the tests it starts and the ones it makes pointless.
extension ClassifierMachine {
    /// Filtering tests I–III and the claim check's first two steps toward `server`, from the
    /// sockets of `attempt` (fresh ones, so earlier tests left no state in the NAT for them).
    mutating func startFilteringAndClaim(attempt: Int, server: Int) {
        let address = configuration.servers[server]
        let filtering = ClassifierConfiguration.filteringSocket(attempt: attempt)
        add(.filtering(1), socket: filtering, server: server, to: address)
        add(.filtering(2), socket: filtering, server: server, to: address, change: ChangeRequest(changeIP: true, changePort: true))
        add(.filtering(3), socket: filtering, server: server, to: address, change: ChangeRequest(changeIP: false, changePort: true))
        guard configuration.testInboundClaim else { return }
        let claim = ClassifierConfiguration.claimSocket(attempt: attempt)
        add(.claim(.open), socket: claim, server: server, to: address)
        add(.claim(.bait), socket: claim, server: server, to: address, change: ChangeRequest(changeIP: true, changePort: true))
    }

    /// Starts the tests an answer makes possible and stops those it makes pointless.
    mutating func followUp(after test: ClassifierTest, index: Int) -> [Action] {
        guard let answer = requests[index].answer, answer.isSuccess else { return [] }
        var actions: [Action] = []
        let server = requests[index].server
        if requests[index].socket == ClassifierConfiguration.primarySocket, test != .hairpin, let mapped = answer.mapped {
            startSamplesAndHairpin(server: server, mapped: mapped)
        }
        switch test {
        case .binding(let server):
            actions += considerAlternate(of: server, answer: answer)
        case .filtering(1) where server == 0:
            actions += considerAlternate(of: 0, answer: answer)  // binding-1 may have been lost
        case .mapping(2):
            // The same mapping from two server IPs settles endpoint independence; test III is moot.
            if let full = fullTest, answer.mapped != nil, answer.mapped == request(.binding(server: full.server))?.successMapped {
                closeAsMoot { $0.test == .mapping(3) }
            }
        case .filtering(2):
            closeAsMoot { $0.test == .filtering(3) && $0.server == server }  // endpoint-independent filtering settles it
        case .claim(.bait):
            // The alternate address's answer got in: nothing unsolicited reaches the router.
            closeAsMoot { $0.test == .claim(.probe) && $0.server == server }
        default:
            break
        }
        return actions
    }

    /// The first answer on the primary socket gives the address to hairpin to and a server
    /// that answers, for the port samples (a dead first server must not starve them).
    private mutating func startSamplesAndHairpin(server: Int, mapped: TransportAddress) {
        if !samplesStarted {
            samplesStarted = true
            for sample in 0..<configuration.portSamples {
                add(
                    .portSample(sample + 1), socket: ClassifierConfiguration.sampleSocket(sample), server: server,
                    to: configuration.servers[server])
            }
        }
        if configuration.testHairpin, request(.hairpin) == nil, !configuration.localIPs.contains(mapped.ip) {
            // Paced by the server that reported the address (the hairpin itself never reaches one).
            add(.hairpin, socket: ClassifierConfiguration.primarySocket, server: server, to: mapped)
        }
    }

    /// Makes `server` the full-test server when it is the first to name a usable alternate address.
    private mutating func considerAlternate(of server: Int, answer: ClassifierRequest.Answer) -> [Action] {
        guard fullTest == nil, alternateProblems[server] == nil else { return [] }
        let primary = configuration.servers[server]
        guard let other = answer.otherAddress else {
            alternateProblems[server] = "\(primary) names no alternate address (no OTHER-ADDRESS or CHANGED-ADDRESS): it is not an RFC 5780 server"
            if server == 0 { closeFirstAttempt() }
            return []
        }
        guard other.ip != primary.ip, other.port != primary.port, other.ip.family == primary.ip.family else {
            alternateProblems[server] = "\(primary)'s alternate address \(other) shares its primary IP or port, so it cannot stand for a second host; rejected"
            if server == 0 { closeFirstAttempt() }
            return [.progress(alternateProblems[server] ?? "")]
        }
        let attempt = server == 0 ? 0 : 1
        fullTest = FullTest(server: server, other: other, attempt: attempt)
        add(.mapping(2), socket: ClassifierConfiguration.primarySocket, server: server, to: TransportAddress(ip: other.ip, port: primary.port))
        add(.mapping(3), socket: ClassifierConfiguration.primarySocket, server: server, to: other)
        if attempt == 1 {
            closeFirstAttempt()
            startFilteringAndClaim(attempt: 1, server: server)
        }
        return [.progress("\(primary) has the alternate address \(other): running the RFC 5780 tests against it")]
    }

    /// The filtering and claim tests sent optimistically to the first server, once it is known
    /// not to be the full-test server.
    private mutating func closeFirstAttempt() {
        let sockets = [ClassifierConfiguration.filteringSocket(attempt: 0), ClassifierConfiguration.claimSocket(attempt: 0)]
        closeAsMoot { sockets.contains($0.socket) }
    }

    // MARK: Inbound claim

    /// When the claim probe should go out: once the bait's answer, dropped by a filtering NAT,
    /// has had time to reach the router twice over (two copies' answers overdue), or once the
    /// bait was given up. Nil when the probe is not (or no longer) due.
    var claimProbeDue: Duration? {
        guard let full = fullTest, request(.claim(.probe), server: full.server) == nil,
            let open = request(.claim(.open), server: full.server), open.successMapped != nil,
            let bait = request(.claim(.bait), server: full.server), bait.answer == nil, !bait.timedOut,
            let roundTrip = roundTrip(toServer: full.server)
        else { return nil }
        if bait.closed { return .zero }
        guard bait.sendTimes.count >= 2 else { return nil }
        return bait.sendTimes[1] + roundTrip * 5 / 4 + configuration.pacing.minimumInterval
    }

    /// Sends the probe to the alternate address from the claim socket; the bait has done its job.
    mutating func sendClaimProbe(at now: Duration) -> [Action] {
        guard let full = fullTest else { return [] }
        for index in requests.indices where requests[index].test == .claim(.bait) && requests[index].server == full.server {
            requests[index].closed = true
        }
        let socket = ClassifierConfiguration.claimSocket(attempt: full.attempt)
        add(.claim(.probe), socket: socket, server: full.server, to: full.other)
        return [.progress("claim check: asking \(full.other) directly from the socket its dropped answer went to")]
    }
}
