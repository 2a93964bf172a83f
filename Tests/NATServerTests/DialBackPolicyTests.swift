import NATServer
import NATWire
import Testing

/// The dial-back rules: only the requester's IP, well-formed requests, a per-IP rate limit.
@Suite struct DialBackPolicyTests {
    let client = TransportAddress("198.51.100.7:40000")!

    func request(_ targets: [DialBackTarget], nonce: Bool = true) -> STUNMessage {
        var message = STUNMessage(type: STUNMessageType(method: .dialBack, messageClass: .request))
        for target in targets { message.append(target) }
        if nonce { message.append(DialBackNonce.random()) }
        // Round-trip through the wire format, as the server sees it.
        return try! STUNMessage(decoding: message.encoded(fingerprint: true))
    }

    @Test func acceptsTheRequestersOwnIP() throws {
        var policy = DialBackPolicy()
        let targets = [DialBackTarget(.udp, TransportAddress("198.51.100.7:4000")!), DialBackTarget(.tcp, TransportAddress("198.51.100.7:4000")!)]
        let accepted = try policy.check(request(targets), from: client, now: 0).get()
        #expect(accepted.targets == targets)
    }

    @Test func refusesAnyOtherIP() {
        var policy = DialBackPolicy()
        let result = policy.check(request([DialBackTarget(.udp, TransportAddress("203.0.113.99:4000")!)]), from: client, now: 0)
        guard case .failure(let refused) = result else { Issue.record("a third party must never be dialled"); return }
        #expect(refused.code == 403)
        #expect(refused.reason.contains("203.0.113.99"))
    }

    @Test func refusesMalformedRequests() {
        var policy = DialBackPolicy()
        let own = DialBackTarget(.udp, TransportAddress("198.51.100.7:4000")!)
        for (message, why) in [
            (request([own], nonce: false), "nonce"), (request([]), "targets"),
            (request(Array(repeating: own, count: 9)), "too many"),
            (request([DialBackTarget(.udp, TransportAddress("198.51.100.7:0")!)]), "port 0"),
        ] {
            guard case .failure(let refused) = policy.check(message, from: client, now: 0) else {
                Issue.record("accepted a request with bad \(why)")
                continue
            }
            #expect(refused.code == 400, "\(why)")
        }
    }

    @Test func rateLimitsEachClientIP() {
        var policy = DialBackPolicy()
        let message = request([DialBackTarget(.udp, TransportAddress("198.51.100.7:4000")!)])
        let burst = (0..<Int(policy.limiter.burst)).map { _ in policy.check(message, from: client, now: 0) }
        #expect(burst.allSatisfy { if case .success = $0 { true } else { false } })
        guard case .failure(let refused) = policy.check(message, from: client, now: 0.1) else {
            Issue.record("the request after the burst must be refused")
            return
        }
        #expect(refused.code == 429)
        // Another client is not affected, and time refills the bucket.
        let other = TransportAddress("198.51.100.8:1")!
        let otherMessage = request([DialBackTarget(.udp, TransportAddress("198.51.100.8:4000")!)])
        #expect((try? policy.check(otherMessage, from: other, now: 0.1).get()) != nil)
        #expect((try? policy.check(message, from: client, now: 1 / policy.limiter.perSecond + 0.2).get()) != nil)
    }

    @Test func attributesRoundTrip() throws {
        var message = STUNMessage(type: STUNMessageType(method: .dialBack, messageClass: .successResponse))
        message.append(DialBackStatus(.tcp, port: 4000, outcome: .timedOut))
        message.append(DialBackTarget(.udp, TransportAddress("[2001:db8::7]:4000")!))
        let decoded = try STUNMessage(decoding: message.encoded(fingerprint: true))
        #expect(try decoded.attribute(DialBackStatus.self) == DialBackStatus(.tcp, port: 4000, outcome: .timedOut))
        #expect(try decoded.attribute(DialBackTarget.self)?.address == TransportAddress("[2001:db8::7]:4000"))
        #expect(decoded.type.method == .dialBack)
    }
}
