@testable import NATCore
import Testing

/// The sequential-allocation rule on its own: unseen mappings between the samples widen some
/// gaps (the lab's apdm-apdf-seq at 50 ± 5 ms once gave [1, 6, 1, 1], which the old rule of
/// "no gap above 4 steps" called random), while random ports stay random.
@Suite struct PortAllocationRuleTests {
    @Test func gapsFromUnseenMappingsStaySequential() {
        #expect(ClassifierAnalysis.sequentialStep([50_100, 50_101, 50_107, 50_108, 50_109]) == 1)
        #expect(ClassifierAnalysis.sequentialStep([50_109, 50_100, 50_108, 50_101]) == 1, "order of creation does not matter")
        #expect(ClassifierAnalysis.sequentialStep([40_000, 40_002, 40_004, 40_020]) == 2)
    }

    @Test func spreadOrIrregularPortsAreNotSequential() {
        #expect(ClassifierAnalysis.sequentialStep([50_100, 50_101, 50_140]) == nil, "a gap past 32 ports")
        #expect(ClassifierAnalysis.sequentialStep([1_024, 33_000, 61_999]) == nil)
        #expect(ClassifierAnalysis.sequentialStep([50_100, 50_130, 50_160]) == nil, "a commonest gap of 30 is no step")
    }
}
