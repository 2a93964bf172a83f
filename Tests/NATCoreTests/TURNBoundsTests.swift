import NATCore
import NATServer
import NATWire
import Testing

/// The relay's state stays bounded whatever a client asks for: permission and channel caps,
/// a maximum allocation age that refreshes cannot extend, and quotas on by default (their
/// counting, pending Allocates included, is in NATServerTests' TURNQuotaTests).
@Suite struct TURNBoundsTests {
    typealias Relay = TURNRelayTests.Relay

    @Test func permissionsBeyondTheCapGet508() async throws {
        let relay = try await Relay.start { $0.maximumPermissions = 2 }
        let client = try await TURNClient.allocate(server: relay.address, credential: TURNRelayTests.user)
        try await client.createPermission([IPAddress("127.0.0.2")!, IPAddress("127.0.0.3")!])
        try await client.createPermission([IPAddress("127.0.0.2")!])  // a refresh is not a new one
        await #expect(throws: TURNClientError.rejected(method: "CreatePermission", code: 508, reason: "At most 2 permissions per allocation")) {
            try await client.createPermission([IPAddress("127.0.0.4")!])
        }
        await client.close()
        await relay.server.stop()
    }

    @Test func channelsBeyondTheCapGet508() async throws {
        let relay = try await Relay.start { $0.maximumChannels = 1 }
        let client = try await TURNClient.allocate(server: relay.address, credential: TURNRelayTests.user)
        _ = try await client.bindChannel(to: TransportAddress("127.0.0.2:4000")!)
        await #expect(throws: TURNClientError.rejected(method: "ChannelBind", code: 508, reason: "At most 1 channels per allocation")) {
            _ = try await client.bindChannel(to: TransportAddress("127.0.0.3:4000")!)
        }
        await client.close()
        await relay.server.stop()
    }

    @Test func refreshesNeverPassTheMaximumAge() async throws {
        let relay = try await Relay.start { $0.maximumAge = 5 }
        let client = try await TURNClient.allocate(server: relay.address, credential: TURNRelayTests.user, lifetime: 600)
        #expect(client.lifetime <= 5)
        let granted = try await client.refresh(lifetime: 3600)
        #expect(granted <= 5 && granted >= 4, "a refresh gets only what is left of the age, not 3600 s")
        await client.close()
        await relay.server.stop()
    }

    @Test func quotasAreOnByDefault() {
        let configuration = TURNConfiguration(credentials: TURNCredentials(realm: "r", users: ["a": "b"]), relayIP: IPAddress("192.0.2.1")!)
        #expect(configuration.userQuota > 0 && configuration.ipQuota > 0 && configuration.totalQuota > 0)
        #expect(configuration.maximumPermissions > 0 && configuration.maximumChannels > 0 && configuration.maximumAge > 0)
    }
}
