import NATWire
import Testing

@testable import NATServer

/// The quota ledger every relay thread shares: an allocation counts from its Allocate until it
/// closes, per user, per client IP (an IPv6 /64) and in all, whichever thread holds it.
@Suite struct TURNQuotaTests {
    static func configuration(_ adjust: (inout TURNConfiguration) -> Void) -> TURNConfiguration {
        var configuration = TURNConfiguration(
            credentials: TURNCredentials(realm: "r", users: ["alice": "a", "bob": "b"]), relayIP: IPAddress("192.0.2.1")!)
        adjust(&configuration)
        return configuration
    }

    @Test func theIPQuotaCountsEveryAllocationFromOneAddress() throws {
        let configuration = Self.configuration { $0.ipQuota = 2 }
        let ledger = TURNQuotaLedger()
        let client = try #require(IPAddress("198.51.100.7"))
        #expect(ledger.reserve(username: "alice", from: client, configuration) == nil)
        #expect(ledger.reserve(username: "bob", from: client, configuration) == nil)
        #expect(ledger.reserve(username: "alice", from: client, configuration) == ErrorCode.allocationQuotaReached)
        #expect(ledger.reserve(username: "alice", from: IPAddress("198.51.100.8")!, configuration) == nil, "another IP is not affected")
        ledger.release(username: "bob", from: client)
        #expect(ledger.reserve(username: "alice", from: client, configuration) == nil, "a closed allocation frees its place")
        #expect(ledger.total == 3)
    }

    @Test func anIPv6ClientIsCountedByItsSlash64() throws {
        let configuration = Self.configuration { $0.ipQuota = 1 }
        let ledger = TURNQuotaLedger()
        #expect(ledger.reserve(username: "alice", from: IPAddress("2001:db8:1:2::1")!, configuration) == nil)
        #expect(ledger.reserve(username: "alice", from: IPAddress("2001:db8:1:2::99")!, configuration) == ErrorCode.allocationQuotaReached)
        #expect(ledger.reserve(username: "alice", from: IPAddress("2001:db8:1:3::1")!, configuration) == nil)
    }

    @Test func theUserAndTotalQuotas() throws {
        let perUser = Self.configuration { $0.userQuota = 1 }
        let ledger = TURNQuotaLedger()
        #expect(ledger.reserve(username: "alice", from: IPAddress("198.51.100.7")!, perUser) == nil)
        #expect(ledger.reserve(username: "alice", from: IPAddress("198.51.100.9")!, perUser) == ErrorCode.allocationQuotaReached)
        #expect(ledger.reserve(username: "bob", from: IPAddress("198.51.100.9")!, perUser) == nil)
        let total = Self.configuration { $0.totalQuota = 2 }
        #expect(ledger.reserve(username: "carol", from: IPAddress("198.51.100.10")!, total) == ErrorCode.insufficientCapacity)
    }
}
