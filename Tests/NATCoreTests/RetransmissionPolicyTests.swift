import NATCore
import Testing

@Suite struct RetransmissionPolicyTests {
    @Test func rfc8489DefaultsGiveUpAfter39Point5Seconds() {
        let (sends, giveUp) = RetransmissionPolicy.rfc8489.schedule
        #expect(sends.map(\.milliseconds) == [0, 500, 1500, 3500, 7500, 15500, 31500])
        #expect(giveUp.milliseconds == 39500)
    }

    @Test func shortPolicyDoublesAndClampsNonsense() {
        let policy = RetransmissionPolicy(rto: .milliseconds(100), maxTransmissions: 3, finalWaitMultiplier: 2)
        #expect(policy.schedule.sends.map(\.milliseconds) == [0, 100, 300])
        #expect(policy.schedule.giveUp.milliseconds == 500)
        let clamped = RetransmissionPolicy(rto: .zero, maxTransmissions: 0, finalWaitMultiplier: 0)
        #expect(clamped.schedule.sends.count == 1)
        #expect(clamped.rto > .zero)
    }
}
