import NATCapture
import Testing

/// The live capture's cap on frames kept (the end-to-end check, which needs root, is
/// TraceStopTests.captureLimitKeepsTheFirstPacketsAndSaysHowManyWereLeftOut).
@Suite struct FrameBudgetTests {
    @Test func keepsTheFirstFramesAndCountsTheRest() {
        let budget = FrameBudget(limit: 3)
        let admitted = (0..<10).map { _ in budget.admit() }
        #expect(admitted == [true, true, true] + Array(repeating: false, count: 7))
        #expect(budget.kept == 3)
        #expect(budget.refused == 7)
        let warning = budget.warning ?? ""
        #expect(warning.contains("kept the first 3 packets"))
        #expect(warning.contains("7 later packets were seen but not kept"))
        #expect(warning.contains("--capture-limit"))
    }

    @Test func saysNothingWhenEverythingWasKept() {
        let budget = FrameBudget(limit: 3)
        for _ in 0..<3 { #expect(budget.admit()) }
        #expect(budget.refused == 0)
        #expect(budget.warning == nil)
    }

    @Test func theDefaultLimitBoundsMemoryButLeavesRoomForLongDiagnoses() {
        #expect(FrameBudget().limit == FrameBudget.defaultLimit)
        #expect(FrameBudget.defaultLimit == 100_000)
        #expect(FrameBudget(limit: -5).limit == 0, "a negative limit keeps nothing rather than trapping")
    }
}
