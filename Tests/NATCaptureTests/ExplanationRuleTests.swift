import NATWire
import Testing

@testable import NATCapture

/// Each explanation rule on a crafted capture, with a negative control where one makes sense.
@Suite struct ExplanationRuleTests {
    let host = Craft.at("10.0.1.2:40000")
    let server = Craft.at("203.0.113.1:3478")
    let alternate = Craft.at("203.0.113.2:3479")

    func kinds(_ findings: [TraceFinding]) -> [TraceFinding.Kind] { findings.map(\.kind) }

    @Test func requestsWithoutReplyAreSilence() {
        var b = Craft.Builder()
        for ms in [0.0, 100, 300, 700] { b.add(ms, Craft.udp(host, server, Craft.bindingRequest(Craft.id(1)))) }
        let findings = b.findings(locals: ["10.0.1.2"])
        let silence = findings.first { $0.kind == .noReply }
        #expect(silence?.remote == "203.0.113.1:3478")
        #expect(silence?.sentence.contains("4 requests left 10.0.1.2:40000") == true)
        #expect(silence?.frames == [1, 2, 3, 4])
        #expect(!kinds(findings).contains(.droppedLocally))
    }

    @Test func answeredRequestIsNotSilence() {
        var b = Craft.Builder()
        b.add(0, Craft.udp(host, server, Craft.bindingRequest(Craft.id(1))))
        b.add(2, Craft.udp(server, host, Craft.bindingResponse(Craft.id(1), mapped: Craft.at("198.51.100.7:40000"))))
        let findings = b.findings(locals: ["10.0.1.2"])
        #expect(!kinds(findings).contains(.noReply))
        #expect(!kinds(findings).contains(.droppedLocally))
        #expect(findings.first { $0.kind == .answered }?.sentence.contains("answered 1 of 1 request") == true)
        #expect(kinds(findings).contains(.translated))
    }

    @Test func repliesFollowedByRetransmissionsWereDroppedLocally() {
        var b = Craft.Builder()
        for ms in [0.0, 100, 300] {
            b.add(ms, Craft.udp(host, server, Craft.bindingRequest(Craft.id(2))))
            b.add(ms + 1, Craft.udp(server, host, Craft.bindingResponse(Craft.id(2), mapped: host)))
        }
        let dropped = b.findings(locals: ["10.0.1.2"]).first { $0.kind == .droppedLocally }
        #expect(dropped?.severity == .problem)
        #expect(dropped?.sentence.contains("3 replies from 203.0.113.1:3478 reached eth0") == true)
        #expect(dropped?.sentence.contains("again 2 times") == true)
    }

    @Test func icmpProhibitedNamesTheRouter() {
        var b = Craft.Builder()
        let request = Craft.udp(host, server, Craft.bindingRequest(Craft.id(3)))
        b.add(0, request)
        b.add(1, Craft.icmpError(from: Craft.ip("10.0.1.1"), type: 3, code: 13, quoting: request))
        let findings = b.findings(locals: ["10.0.1.2"])
        let rejected = findings.first { $0.kind == .icmpError }
        #expect(rejected?.by == "10.0.1.1")
        #expect(rejected?.sentence.contains("administratively prohibited") == true)
        #expect(rejected?.local == "10.0.1.2:40000")
        #expect(rejected?.remote == "203.0.113.1:3478")
        #expect(!kinds(findings).contains(.noReply))
    }

    @Test func portUnreachableFromTheServerSaysNothingListens() {
        var b = Craft.Builder()
        let request = Craft.udp(host, server, Craft.bindingRequest(Craft.id(4)))
        b.add(0, request)
        b.add(1, Craft.icmpError(from: server.ip, type: 3, code: 3, quoting: request))
        let finding = b.findings(locals: ["10.0.1.2"]).first { $0.kind == .icmpError }
        #expect(finding?.sentence.contains("nothing listens on port 3478") == true)
    }

    /// Many-ports primes hundreds of random ports with TTL-2 Binding indications: each expiry
    /// is the same fact, so the router's time-exceeded errors make one info finding, not one
    /// problem per port. A TTL-2 packet that is not a Binding indication stays an ICMP error.
    @Test func primingExpiriesAreOneInfoFindingPerRouter() {
        var b = Craft.Builder()
        let router = Craft.ip("203.0.113.254")
        var indication: [UInt8] = [0x00, 0x11, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42]
        indication += [UInt8](repeating: 7, count: 12)
        for (index, port) in [4001, 17_000, 33_333, 52_000, 60_001].enumerated() {
            let prime = Craft.ipv4(host.ip, Craft.ip("198.51.100.9"), proto: 17, Craft.udpHeader(host.port, UInt16(port), indication), ttl: 2)
            b.add(Double(index), prime)
            b.add(Double(index) + 0.5, Craft.icmpError(from: router, type: 11, code: 0, quoting: prime))
        }
        let other = Craft.ipv4(host.ip, Craft.ip("198.51.100.9"), proto: 17, Craft.udpHeader(host.port, 9, [1, 2, 3]), ttl: 2)
        b.add(10, other)
        b.add(11, Craft.icmpError(from: router, type: 11, code: 0, quoting: other))
        let findings = b.findings(locals: ["10.0.1.2"])
        let priming = findings.filter { $0.kind == .punchPriming }
        #expect(priming.count == 1 && priming.first?.severity == .info)
        #expect(priming.first?.sentence.contains("towards 5 endpoints (198.51.100.9:4001, 198.51.100.9:17000, 198.51.100.9:33333, ...)") == true, "\(priming)")
        #expect(priming.first?.sentence.contains("5 ICMP errors") == true)
        #expect(findings.filter { $0.kind == .icmpError }.count == 1, "the TTL-2 packet that is not priming")
    }

    @Test func fragmentationNeededIsAPathMTUProblem() {
        var b = Craft.Builder()
        let big = Craft.udp(host, server, [UInt8](repeating: 0, count: 1400), dontFragment: true)
        b.add(0, big)
        b.add(1, Craft.icmpError(from: Craft.ip("198.51.100.1"), type: 3, code: 4, quoting: big, mtu: 1280))
        let finding = b.findings(locals: ["10.0.1.2"]).first { $0.kind == .pathMTU }
        #expect(finding?.sentence.contains("next-hop MTU 1280") == true)
        #expect(finding?.sentence.contains("largest sent was 1428 bytes") == true)
        #expect(finding?.by == "198.51.100.1")
    }

    @Test func unansweredFragmentsAreAProblem() {
        var b = Craft.Builder()
        let payload = Craft.udpHeader(40000, 3478, [UInt8](repeating: 1, count: 1600))
        b.add(0, Craft.ipv4(host.ip, server.ip, proto: 17, Array(payload[0..<1480]), id: 9, moreFragments: true))
        b.add(0.1, Craft.ipv4(host.ip, server.ip, proto: 17, Array(payload[1480...]), id: 9, fragmentOffset: 1480))
        let finding = b.findings(locals: ["10.0.1.2"]).first { $0.kind == .fragmented }
        #expect(finding?.severity == .problem)
        #expect(finding?.frames == [1])
    }

    @Test func mappingPerDestinationFromWhatServersSaw() {
        var b = Craft.Builder()
        b.add(0, Craft.udp(host, server, Craft.bindingRequest(Craft.id(5))))
        b.add(1, Craft.udp(server, host, Craft.bindingResponse(Craft.id(5), mapped: Craft.at("203.0.113.11:1024"))))
        b.add(2, Craft.udp(host, alternate, Craft.bindingRequest(Craft.id(6))))
        b.add(3, Craft.udp(alternate, host, Craft.bindingResponse(Craft.id(6), mapped: Craft.at("203.0.113.11:1025"))))
        let findings = b.findings(locals: ["10.0.1.2"])
        #expect(findings.filter { $0.kind == .portRewritten }.count == 2)
        let varies = findings.first { $0.kind == .mappingPerDestination }
        #expect(varies?.sentence.contains("203.0.113.11:1024 toward 203.0.113.1:3478") == true)
        #expect(varies?.sentence.contains("203.0.113.11:1025 toward 203.0.113.2:3479") == true)
    }

    @Test func sameMappingEverywhereIsNotPerDestination() {
        var b = Craft.Builder()
        for (n, target) in [(UInt8(7), server), (8, alternate)] {
            b.add(Double(n), Craft.udp(host, target, Craft.bindingRequest(Craft.id(n))))
            b.add(Double(n) + 0.5, Craft.udp(target, host, Craft.bindingResponse(Craft.id(n), mapped: Craft.at("203.0.113.11:40000"))))
        }
        let findings = b.findings(locals: ["10.0.1.2"])
        #expect(!kinds(findings).contains(.mappingPerDestination))
        #expect(findings.first { $0.kind == .translated }?.sentence.contains("port kept") == true)
    }

    /// Host, NAT inside and NAT outside, as a lab capture records them.
    func siteInterfaces() -> [CaptureInterface] {
        [
            CaptureInterface(name: "host/eth0", linkType: .ethernet, addresses: [Craft.ip("10.0.1.2")], isLocal: true),
            CaptureInterface(name: "router/lan", linkType: .ethernet, addresses: [Craft.ip("10.0.1.1")]),
            CaptureInterface(name: "router/wan", linkType: .ethernet, addresses: [Craft.ip("203.0.113.11")]),
        ]
    }

    @Test func translationSeenOnBothSidesOfTheNAT() {
        var b = Craft.Builder(siteInterfaces())
        let request = Craft.bindingRequest(Craft.id(9))
        b.add(0, Craft.udp(host, server, request), on: 0)
        b.add(0.1, Craft.udp(host, server, request), on: 1)
        b.add(0.2, Craft.udp(Craft.at("203.0.113.11:61000"), server, request), on: 2)
        let rewrite = b.findings().first { $0.kind == .portRewritten }
        #expect(rewrite?.sentence.contains("turned 10.0.1.2:40000 into 203.0.113.11:61000") == true)
        #expect(rewrite?.sentence.contains("seen on router/wan") == true)
        #expect(rewrite?.sentence.contains("40000 → 61000") == true)
    }

    @Test func punchChecksThatReachTheNATButNotTheHostWereDroppedThere() {
        var b = Craft.Builder(siteInterfaces())
        let peer = Craft.at("203.0.113.12:50000")
        b.add(0, Craft.udp(host, peer, Craft.bindingRequest(Craft.id(10), peerCheck: true)), on: 0)
        b.add(0.2, Craft.udp(Craft.at("203.0.113.11:61001"), peer, Craft.bindingRequest(Craft.id(10), peerCheck: true)), on: 2)
        for n in UInt8(11)...13 {
            b.add(Double(n), Craft.udp(peer, Craft.at("203.0.113.11:61000"), Craft.bindingRequest(Craft.id(n), peerCheck: true)), on: 2)
        }
        let findings = b.findings()
        let dropped = findings.first { $0.kind == .punchInboundDropped }
        #expect(dropped?.severity == .problem)
        #expect(dropped?.sentence.contains("3 punch checks from the peer at 203.0.113.12 reached this site's NAT at 203.0.113.11:61000") == true)
        #expect(dropped?.by == "router/wan")
        #expect(!kinds(findings).contains(.punchInboundNeverSent))
    }

    @Test func punchChecksLetThroughAreNotDropped() {
        var b = Craft.Builder(siteInterfaces())
        let peer = Craft.at("203.0.113.12:50000")
        let check = Craft.bindingRequest(Craft.id(14), peerCheck: true)
        b.add(0, Craft.udp(peer, Craft.at("203.0.113.11:61000"), check), on: 2)
        b.add(0.1, Craft.udp(peer, host, check), on: 0)
        let findings = b.findings()
        #expect(!kinds(findings).contains(.punchInboundDropped))
        #expect(kinds(findings).contains(.punchInboundArrived))
    }

    @Test func punchChecksNobodySentBack() {
        var b = Craft.Builder()
        for n in UInt8(20)...23 { b.add(Double(n), Craft.udp(host, Craft.at("203.0.113.12:50000"), Craft.bindingRequest(Craft.id(n), peerCheck: true))) }
        let finding = b.findings(locals: ["10.0.1.2"]).first { $0.kind == .punchInboundNeverSent }
        #expect(finding?.sentence.contains("sent 4 punch checks to the peer's candidates (203.0.113.12:50000)") == true)
        #expect(finding?.sentence.contains("natctl trace --lab") == true)
    }

    @Test func wireGuardInitiationsWithoutResponse() {
        var b = Craft.Builder()
        let me = Craft.at("10.0.1.2:51820")
        let peer = Craft.at("203.0.113.12:51820")
        b.add(0, Craft.udp(me, peer, Craft.wireGuardInitiation(sender: 0x1111)))
        b.add(5000, Craft.udp(me, peer, Craft.wireGuardInitiation(sender: 0x2222)))
        let finding = b.findings().first { $0.kind == .wireGuardNoResponse }
        #expect(finding?.sentence.contains("2 WireGuard handshake initiations from 10.0.1.2:51820 to 203.0.113.12:51820 over 5.0 s") == true)
        #expect(finding?.local == "10.0.1.2:51820")
    }

    @Test func wireGuardInitiationsFromThePeerThatThisHostIgnored() {
        var b = Craft.Builder()
        let me = Craft.at("10.0.1.2:51820")
        let peer = Craft.at("203.0.113.12:51820")
        b.add(0, Craft.udp(peer, me, Craft.wireGuardInitiation(sender: 0x3333)))
        b.add(1, Craft.udp(me, Craft.at("203.0.113.1:3478"), Craft.bindingRequest(Craft.id(30))))
        let finding = b.findings(locals: ["10.0.1.2"]).first { $0.kind == .wireGuardNoResponse }
        #expect(finding?.sentence.contains("from the peer at 203.0.113.12:51820") == true)
        #expect(finding?.sentence.contains("got no response from this host") == true)
    }

    @Test func doubleNATIsNotAPerDestinationMapping() {
        let interfaces = [
            CaptureInterface(name: "host/eth0", linkType: .ethernet, addresses: [Craft.ip("10.0.1.2")], isLocal: true),
            CaptureInterface(name: "home/wan", linkType: .ethernet, addresses: [Craft.ip("100.64.0.2")]),
            CaptureInterface(name: "cgnat/wan", linkType: .ethernet, addresses: [Craft.ip("203.0.113.11")]),
        ]
        var b = Craft.Builder(interfaces)
        for (n, target) in [(UInt8(40), server), (41, alternate)] {
            let request = Craft.bindingRequest(Craft.id(n))
            b.add(Double(n), Craft.udp(host, target, request), on: 0)
            b.add(Double(n) + 0.1, Craft.udp(Craft.at("100.64.0.2:40000"), target, request), on: 1)
            b.add(Double(n) + 0.2, Craft.udp(Craft.at("203.0.113.11:40000"), target, request), on: 2)
        }
        let findings = b.findings()
        #expect(!kinds(findings).contains(.mappingPerDestination))
        #expect(findings.filter { $0.kind == .translated }.count == 2, "each NAT layer's rewrite is reported")
    }

    @Test func wireGuardResponseCompletesTheHandshake() {
        var b = Craft.Builder()
        let me = Craft.at("10.0.1.2:51820")
        let peer = Craft.at("203.0.113.12:51820")
        b.add(0, Craft.udp(me, peer, Craft.wireGuardInitiation(sender: 0x1111)))
        b.add(3, Craft.udp(peer, me, Craft.wireGuardResponse(sender: 0x9999, receiver: 0x1111)))
        let findings = b.findings()
        #expect(kinds(findings) == [.wireGuardHandshake])
    }
}
