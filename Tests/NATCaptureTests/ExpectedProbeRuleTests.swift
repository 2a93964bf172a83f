import NATWire
import Testing

@testable import NATCapture

/// The rules that tell the operation's own deliberate probes (hairpin, filtering tests, punch
/// checks to private candidates) from real problems, and follow datagrams dropped at a NAT.
@Suite struct ExpectedProbeRuleTests {
    let host = Craft.at("10.0.1.2:40000")
    let server = Craft.at("203.0.113.1:3478")
    let alternate = Craft.at("203.0.113.2:3479")
    let mapped = Craft.at("203.0.113.11:40000")

    func problems(_ findings: [TraceFinding]) -> [TraceFinding] { findings.filter { $0.severity == .problem } }

    /// A first exchange that tells this host its public address (`mapped`).
    func answered(_ b: inout Craft.Builder, id: UInt8 = 1) {
        b.add(0, Craft.udp(host, server, Craft.bindingRequest(Craft.id(id))))
        b.add(1, Craft.udp(server, host, Craft.bindingResponse(Craft.id(id), mapped: mapped)))
    }

    @Test func hairpinPortUnreachableIsTheTestsAnswerNotAProblem() throws {
        var b = Craft.Builder()
        answered(&b)
        let hairpin = Craft.udp(host, mapped, Craft.bindingRequest(Craft.id(2)))
        b.add(10, hairpin)
        b.add(11, Craft.icmpError(from: mapped.ip, type: 3, code: 3, quoting: hairpin))
        let findings = b.findings(locals: ["10.0.1.2"])
        #expect(problems(findings).isEmpty, "\(findings.map(\.sentence))")
        let test = try #require(findings.first { $0.kind == .hairpinTest })
        #expect(test.severity == .info)
        #expect(test.by == "203.0.113.11")
        #expect(test.remote == "203.0.113.11:40000")
        #expect(test.sentence.contains("the NAT does not hairpin"))
        #expect(test.frames == [3, 4])
        #expect(!findings.contains { $0.kind == .icmpError })
    }

    @Test func hairpinSilenceIsNotNoReply() {
        var b = Craft.Builder()
        answered(&b)
        for ms in [10.0, 110, 310] { b.add(ms, Craft.udp(host, mapped, Craft.bindingRequest(Craft.id(2)))) }
        let findings = b.findings(locals: ["10.0.1.2"])
        #expect(problems(findings).isEmpty, "\(findings.map(\.sentence))")
        #expect(findings.first { $0.kind == .hairpinTest }?.sentence.contains("nothing came back") == true)
    }

    @Test func hairpinLoopedBackSaysTheNATHairpins() {
        var b = Craft.Builder()
        answered(&b)
        let request = Craft.bindingRequest(Craft.id(2))
        b.add(10, Craft.udp(host, mapped, request))
        b.add(10.2, Craft.udp(mapped, host, request))
        let test = b.findings(locals: ["10.0.1.2"]).first { $0.kind == .hairpinTest }
        #expect(test?.sentence.contains("the NAT hairpins") == true)
    }

    /// Negative control: port unreachable for a request to an address no answer reported is
    /// still a problem (nothing listens there).
    @Test func portUnreachableElsewhereStaysAProblem() {
        var b = Craft.Builder()
        answered(&b)
        let other = Craft.udp(host, Craft.at("203.0.113.11:40001"), Craft.bindingRequest(Craft.id(2)))
        b.add(10, other)
        b.add(11, Craft.icmpError(from: mapped.ip, type: 3, code: 3, quoting: other))
        let findings = b.findings(locals: ["10.0.1.2"])
        #expect(problems(findings).map(\.kind) == [.icmpError])
        #expect(!findings.contains { $0.kind == .hairpinTest })
    }

    @Test func punchCheckToAPrivateCandidateThatCannotRouteIsExpected() {
        var b = Craft.Builder()
        let candidate = Craft.at("10.0.2.2:50000")
        let check = Craft.udp(host, candidate, Craft.bindingRequest(Craft.id(3), peerCheck: true))
        b.add(0, check)
        b.add(1, Craft.icmpError(from: Craft.ip("203.0.113.254"), type: 3, code: 0, quoting: check))
        let findings = b.findings(locals: ["10.0.1.2"])
        let unreachable = findings.first { $0.kind == .punchCandidateUnreachable }
        #expect(unreachable?.severity == .info)
        #expect(unreachable?.remote == "10.0.2.2:50000")
        #expect(unreachable?.by == "203.0.113.254")
        #expect(unreachable?.sentence.contains("private address") == true)
        #expect(!findings.contains { $0.kind == .icmpError })
    }

    /// Negative control: a plain STUN request getting network unreachable is a problem.
    @Test func networkUnreachableForAServerStaysAProblem() {
        var b = Craft.Builder()
        let request = Craft.udp(host, server, Craft.bindingRequest(Craft.id(4)))
        b.add(0, request)
        b.add(1, Craft.icmpError(from: Craft.ip("10.0.1.1"), type: 3, code: 0, quoting: request))
        #expect(problems(b.findings(locals: ["10.0.1.2"])).map(\.kind) == [.icmpError])
    }

    @Test func unansweredFilteringTestsAreNotNoReply() {
        var b = Craft.Builder()
        answered(&b)
        for ms in [10.0, 110, 310] {
            b.add(
                ms,
                Craft.udp(
                    host, server,
                    Craft.bindingRequest(Craft.id(5), change: ChangeRequest(changeIP: true, changePort: true))))
        }
        let findings = b.findings(locals: ["10.0.1.2"])
        #expect(problems(findings).isEmpty, "\(findings.map(\.sentence))")
        let test = findings.first { $0.kind == .filteringTest }
        #expect(test?.severity == .info)
        #expect(test?.sentence.contains("CHANGE-REQUEST change IP and port") == true)
        #expect(test?.sentence.contains("natctl trace --lab") == true)
    }

    /// The filtering finding for a CHANGE-REQUEST (IP and port) whose answer came from `source`.
    func filteringTestAnswered(from source: TransportAddress) -> TraceFinding? {
        var b = Craft.Builder()
        answered(&b)
        b.add(
            10,
            Craft.udp(
                host, server, Craft.bindingRequest(Craft.id(5), change: ChangeRequest(changeIP: true, changePort: true))
            ))
        b.add(11, Craft.udp(source, host, Craft.bindingResponse(Craft.id(5), mapped: mapped)))
        return b.findings(locals: ["10.0.1.2"]).first { $0.kind == .filteringTest }
    }

    @Test func answeredFilteringTestMeansEndpointIndependentFiltering() {
        let test = filteringTestAnswered(from: alternate)
        #expect(test?.sentence.contains("from 203.0.113.2:3479") == true)
        #expect(test?.sentence.contains("endpoint-independent filtering") == true)
    }

    /// A server that answers CHANGE-REQUEST from the address it was asked on ignored it: no verdict.
    @Test func filteringTestAnsweredFromTheSameAddressSaysNothing() {
        let test = filteringTestAnswered(from: server)
        #expect(test?.sentence.contains("ignored the request") == true, "\(test?.sentence ?? "")")
        #expect(test?.sentence.contains("endpoint-independent") == false)
    }

    /// RFC 3489 framing (no magic cookie; MAPPED-ADDRESS; no FINGERPRINT), as old servers use.
    func legacy(_ type: STUNMessageType, _ id: UInt8, _ attribute: (inout STUNMessage) -> Void) -> [UInt8] {
        var message = STUNMessage(type: type, transactionID: Craft.id(id), cookie: 0x1234_5678)
        attribute(&message)
        return message.encoded(fingerprint: false)
    }

    /// The same rules for an old RFC 3489 server: its MAPPED-ADDRESS gives the reflexive
    /// address the hairpin test aims at, and its CHANGE-REQUEST tests are filtering tests.
    @Test func rfc3489ServersProbesAreRecognisedToo() {
        var b = Craft.Builder()
        b.add(0, Craft.udp(host, server, legacy(.bindingRequest, 1) { _ in }))
        b.add(1, Craft.udp(server, host, legacy(.bindingSuccess, 1) { $0.append(MappedAddress(mapped)) }))
        for ms in [10.0, 110] {
            b.add(
                ms,
                Craft.udp(
                    host, server,
                    legacy(.bindingRequest, 2) { $0.append(ChangeRequest(changeIP: false, changePort: true)) }))
        }
        let hairpin = Craft.udp(host, mapped, legacy(.bindingRequest, 3) { _ in })
        b.add(200, hairpin)
        b.add(201, Craft.icmpError(from: mapped.ip, type: 3, code: 3, quoting: hairpin))
        let findings = b.findings(locals: ["10.0.1.2"])
        #expect(problems(findings).isEmpty, "\(findings.map(\.sentence))")
        #expect(findings.first { $0.kind == .hairpinTest }?.by == "203.0.113.11")
        #expect(
            findings.first { $0.kind == .filteringTest }?.sentence.contains(
                "CHANGE-REQUEST change port; 1 request, 2 transmissions") == true)
    }

    func siteInterfaces() -> [CaptureInterface] {
        [
            CaptureInterface(name: "host/eth0", linkType: .ethernet, addresses: [Craft.ip("10.0.1.2")], isLocal: true),
            CaptureInterface(name: "rt-a/lan", linkType: .ethernet, addresses: [Craft.ip("10.0.1.1")]),
            CaptureInterface(name: "rt-a/wan", linkType: .ethernet, addresses: [Craft.ip("203.0.113.11")]),
        ]
    }

    /// The request on all three interfaces, the answer back the same way.
    func exchangeAcrossTheNAT(_ b: inout Craft.Builder, id: UInt8, at ms: Double) {
        let request = Craft.bindingRequest(Craft.id(id))
        let response = Craft.bindingResponse(Craft.id(id), mapped: mapped)
        b.add(ms, Craft.udp(host, server, request), on: 0)
        b.add(ms + 0.1, Craft.udp(host, server, request), on: 1)
        b.add(ms + 0.2, Craft.udp(mapped, server, request), on: 2)
        b.add(ms + 1, Craft.udp(server, mapped, response), on: 2)
        b.add(ms + 1.1, Craft.udp(server, host, response), on: 1)
        b.add(ms + 1.2, Craft.udp(server, host, response), on: 0)
    }

    @Test func filteringAnswersDroppedAtTheRoutersWANNameTheRouter() throws {
        var b = Craft.Builder(siteInterfaces())
        exchangeAcrossTheNAT(&b, id: 1, at: 0)
        let change = Craft.bindingRequest(Craft.id(6), change: ChangeRequest(changeIP: true, changePort: true))
        b.add(10, Craft.udp(host, server, change), on: 0)
        b.add(10.1, Craft.udp(host, server, change), on: 1)
        b.add(10.2, Craft.udp(mapped, server, change), on: 2)
        b.add(11, Craft.udp(alternate, mapped, Craft.bindingResponse(Craft.id(6), mapped: mapped)), on: 2)
        let findings = b.findings()
        #expect(problems(findings).isEmpty, "\(findings.map(\.sentence))")
        let dropped = try #require(findings.first { $0.kind == .droppedAtNAT })
        #expect(dropped.severity == .info)
        #expect(dropped.by == "rt-a/wan")
        #expect(dropped.remote == "203.0.113.2:3479")
        #expect(dropped.sentence.contains("the NAT in rt-a dropped it"))
        #expect(dropped.sentence.contains("address-dependent or address-and-port-dependent"))
        #expect(dropped.frames.contains(10))
        #expect(!findings.contains { $0.kind == .filteringTest }, "the drop at the NAT says it all")
    }

    /// Behind a double NAT the answer is named where it stopped: past the carrier's NAT, at
    /// the home router's WAN.
    @Test func behindADoubleNATTheInnermostRouterIsNamed() throws {
        let interfaces = [
            CaptureInterface(name: "host/eth0", linkType: .ethernet, addresses: [Craft.ip("10.0.1.2")], isLocal: true),
            CaptureInterface(name: "home/wan", linkType: .ethernet, addresses: [Craft.ip("100.64.0.2")]),
            CaptureInterface(name: "cgnat/wan", linkType: .ethernet, addresses: [Craft.ip("203.0.113.11")]),
        ]
        var b = Craft.Builder(interfaces)
        let home = Craft.at("100.64.0.2:40000")
        let request = Craft.bindingRequest(Craft.id(1))
        b.add(0, Craft.udp(host, server, request), on: 0)
        b.add(0.1, Craft.udp(home, server, request), on: 1)
        b.add(0.2, Craft.udp(mapped, server, request), on: 2)
        b.add(1, Craft.udp(server, host, Craft.bindingResponse(Craft.id(1), mapped: mapped)), on: 0)
        let change = Craft.bindingRequest(Craft.id(6), change: ChangeRequest(changeIP: true, changePort: true))
        b.add(10, Craft.udp(host, server, change), on: 0)
        b.add(10.1, Craft.udp(home, server, change), on: 1)
        b.add(10.2, Craft.udp(mapped, server, change), on: 2)
        let answer = Craft.bindingResponse(Craft.id(6), mapped: mapped)
        b.add(11, Craft.udp(alternate, mapped, answer), on: 2)
        b.add(11.1, Craft.udp(alternate, home, answer), on: 1)
        let dropped = try #require(b.findings().first { $0.kind == .droppedAtNAT })
        #expect(dropped.by == "home/wan")
        #expect(dropped.remote == "203.0.113.2:3479")
        #expect(dropped.sentence.contains("the NAT in home dropped it"))
    }

    @Test func anAnswerToAPlainRequestDroppedAtTheNATIsAProblem() throws {
        var b = Craft.Builder(siteInterfaces())
        exchangeAcrossTheNAT(&b, id: 1, at: 0)
        let request = Craft.bindingRequest(Craft.id(7))
        b.add(10, Craft.udp(host, server, request), on: 0)
        b.add(10.2, Craft.udp(mapped, server, request), on: 2)
        b.add(11, Craft.udp(server, mapped, Craft.bindingResponse(Craft.id(7), mapped: mapped)), on: 2)
        let dropped = try #require(b.findings().first { $0.kind == .droppedAtNAT })
        #expect(dropped.severity == .problem)
        #expect(dropped.by == "rt-a/wan")
        #expect(dropped.sentence.contains("answering this host's requests"))
        #expect(dropped.frames == [9])
    }

    /// Negative control: answers that got through are no drop.
    @Test func answersThatReachedTheHostAreNotDropped() {
        var b = Craft.Builder(siteInterfaces())
        exchangeAcrossTheNAT(&b, id: 1, at: 0)
        exchangeAcrossTheNAT(&b, id: 2, at: 100)
        #expect(!b.findings().contains { $0.kind == .droppedAtNAT })
    }

    /// Negative control: a rendezvous message naming the peer's public address does not make
    /// that address this host's, so datagrams the peer's NAT drops are not this host's loss.
    @Test func aPeersAddressInRendezvousIsNotThisHostsPublicAddress() {
        var interfaces = siteInterfaces()
        interfaces.append(
            CaptureInterface(name: "rt-b/wan", linkType: .ethernet, addresses: [Craft.ip("203.0.113.12")]))
        var b = Craft.Builder(interfaces)
        exchangeAcrossTheNAT(&b, id: 1, at: 0)
        var message = STUNMessage(
            type: STUNMessageType(method: .rendezvous, messageClass: .indication), transactionID: Craft.id(8))
        message.append(XORMappedAddress(Craft.at("203.0.113.12:46251")))
        let indication = message.encoded(fingerprint: true)
        b.add(10, Craft.udp(server, host, indication), on: 0)
        b.add(
            20, Craft.udp(server, Craft.at("203.0.113.12:46251"), Craft.bindingResponse(Craft.id(9), mapped: mapped)),
            on: 3)
        #expect(!b.findings().contains { $0.kind == .droppedAtNAT })
    }

    @Test func labTimelineHasOneRowPerDatagramWithItsHops() throws {
        var b = Craft.Builder(siteInterfaces())
        b.add(0, Craft.routerSolicitation(from: Craft.ip("fe80::1")), on: 1)
        exchangeAcrossTheNAT(&b, id: 1, at: 1)
        // A retransmission of the same request is another datagram, hence another row.
        let request = Craft.bindingRequest(Craft.id(1))
        b.add(101, Craft.udp(host, server, request), on: 0)
        let report = TraceAnalyzer.report(b.capture, source: "crafted")
        #expect(report.timeline.count == 4, "\(report.timeline.map(\.summary))")
        let first = report.timeline[0]
        #expect(first.summary.hasPrefix("STUN Binding request"))
        #expect(first.direction == "out")
        #expect(first.hops.map(\.interface) == ["host/eth0", "rt-a/lan", "rt-a/wan"])
        #expect(first.hops.map(\.frame) == [2, 3, 4])
        #expect(first.hops.last?.source == "203.0.113.11:40000", "the translated address")
        let answer = report.timeline[1]
        #expect(answer.direction == "in")
        #expect(answer.hops.map(\.interface) == ["rt-a/wan", "rt-a/lan", "host/eth0"])
        #expect(report.timeline[2].frame == 8, "the retransmission")
        #expect(report.timeline[2].hops.count == 1)
        let last = try #require(report.timeline.last)
        #expect(last.background)
        #expect(last.summary.contains("ICMPv6"))
        #expect(report.timeline.filter(\.background).count == 1)
        #expect(report.schema == "natctl.trace/2")
    }
}
