import NATWire
import NIOCore
import NIOPosix
import Testing

@testable import NATServer

/// Quotas count Allocates whose relayed socket is still binding: a burst of Allocates from one
/// client IP cannot slip past `--ip-quota` (or the user's and the total) while the first ones bind.
@Suite struct TURNQuotaTests {
    static func service(_ adjust: (inout TURNConfiguration) -> Void) -> TURNService {
        var configuration = TURNConfiguration(
            credentials: TURNCredentials(realm: "r", users: ["alice": "a", "bob": "b"]), relayIP: IPAddress("192.0.2.1")!)
        adjust(&configuration)
        return TURNService(
            configuration: configuration, loop: MultiThreadedEventLoopGroup.singleton.next(),
            gate: AnswerGate(SourceRateLimiter(perSecond: 100, burst: 100)))
    }

    static func request(from client: String, user: String) throws -> TURNService.Request {
        let address = try #require(TransportAddress(client))
        return TURNService.Request(
            message: STUNMessage(type: STUNMessageType(method: .allocate, messageClass: .request)), client: address,
            socket: try address.socketAddress, identity: TURNAuthenticator.Identity(username: user, key: nil, usesSHA256: false))
    }

    @Test func pendingAllocatesCountAgainstTheIPQuota() throws {
        let service = Self.service { $0.ipQuota = 2 }
        #expect(service.quotaError(for: try Self.request(from: "198.51.100.7:1001", user: "alice")) == nil)
        service.pendingAllocates[TransportAddress("198.51.100.7:1001")!] = "alice"
        service.pendingAllocates[TransportAddress("198.51.100.7:1002")!] = "bob"
        #expect(service.quotaError(for: try Self.request(from: "198.51.100.7:1003", user: "alice")) == ErrorCode.allocationQuotaReached)
        #expect(service.quotaError(for: try Self.request(from: "198.51.100.8:1001", user: "alice")) == nil, "another IP is not affected")
    }

    @Test func pendingAllocatesCountAgainstTheUserAndTotalQuotas() throws {
        let perUser = Self.service { $0.userQuota = 1 }
        perUser.pendingAllocates[TransportAddress("198.51.100.7:1001")!] = "alice"
        #expect(perUser.quotaError(for: try Self.request(from: "198.51.100.9:1", user: "alice")) == ErrorCode.allocationQuotaReached)
        #expect(perUser.quotaError(for: try Self.request(from: "198.51.100.9:1", user: "bob")) == nil)
        let total = Self.service { $0.totalQuota = 1 }
        total.pendingAllocates[TransportAddress("198.51.100.7:1001")!] = "alice"
        #expect(total.quotaError(for: try Self.request(from: "198.51.100.9:1", user: "bob")) == ErrorCode.insufficientCapacity)
    }
}
