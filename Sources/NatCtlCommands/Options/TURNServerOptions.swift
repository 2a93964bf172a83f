import ArgumentParser
import Foundation
import NATServer
import NATWire

/// `relay serve`'s TURN flags, named after coturn's `turnserver` where it has the same knob.
struct TURNServerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("A TURN user (repeatable).", valueName: "name:password"))
    var user: [String] = []

    @Option(name: .customLong("users-file"), help: ArgumentHelp("TURN users, one name:password per line (# comments).", valueName: "file"))
    var usersFile: String?

    @Option(name: .customLong("static-auth-secret"), help: ArgumentHelp(
        "Shared secret for time-limited credentials (coturn's use-auth-secret: username expiry:name, password base64 HMAC-SHA1). Repeatable, for rotation.",
        valueName: "secret"))
    var staticAuthSecret: [String] = []

    @Flag(name: .customLong("use-auth-secret"), help: "Accepted for coturn compatibility; --static-auth-secret is what enables the scheme.")
    var useAuthSecret = false

    @Option(name: .long, help: "Realm of the long-term credentials.")
    var realm = "natctl"

    @Flag(name: .customLong("no-auth"), help: "Run an open relay that anyone may use. Never do this on a public address.")
    var noAuth = false

    @Option(name: .customLong("relay-ip"), help: ArgumentHelp("IP relayed sockets bind to (default: the --listen IP).", valueName: "ip"))
    var relayIP: String?

    @Option(name: .customLong("min-port"), help: "Lowest relayed port.")
    var minPort: UInt16 = 49152

    @Option(name: .customLong("max-port"), help: "Highest relayed port.")
    var maxPort: UInt16 = 65535

    @Option(name: .customLong("max-allocate-lifetime"), help: ArgumentHelp("Longest allocation lifetime granted (default allocations get min(600, this)).", valueName: "seconds"))
    var maxAllocateLifetime: UInt32 = 3600

    @Option(name: .customLong("permission-lifetime"), help: ArgumentHelp("Permission lifetime (RFC: 300).", valueName: "seconds"))
    var permissionLifetime: UInt32 = 300

    @Option(name: .customLong("channel-lifetime"), help: ArgumentHelp("Channel binding lifetime (RFC: 600).", valueName: "seconds"))
    var channelLifetime: UInt32 = 600

    @Option(name: .customLong("stale-nonce"), help: ArgumentHelp("Nonce lifetime; older nonces get 438.", valueName: "seconds"))
    var staleNonce: UInt32 = 600

    @Option(name: .customLong("user-quota"), help: "Allocations per user at once, over all relay threads (0: unlimited); beyond it Allocate gets 486.")
    var userQuota = Self.defaults.userQuota

    @Option(name: .customLong("ip-quota"), help: "Allocations per client IP (IPv6: per /64) at once, over all relay threads (0: unlimited); beyond it Allocate gets 486.")
    var ipQuota = Self.defaults.ipQuota

    @Option(name: .customLong("total-quota"), help: "Allocations in all, over all relay threads (0: unlimited); beyond it Allocate gets 508.")
    var totalQuota = Self.defaults.totalQuota

    @Option(name: .customLong("max-permissions"), help: ArgumentHelp("Permissions (peer IPs) per allocation; beyond it CreatePermission gets 508.", valueName: "count"))
    var maxPermissions = Self.defaults.maximumPermissions

    @Option(name: .customLong("max-channels"), help: ArgumentHelp("Channel bindings per allocation; beyond it ChannelBind gets 508.", valueName: "count"))
    var maxChannels = Self.defaults.maximumChannels

    @Option(name: .customLong("max-allocation-age"), help: ArgumentHelp("Longest an allocation lives however often it is refreshed (0: no limit).", valueName: "seconds"))
    var maxAllocationAge = Self.defaults.maximumAge

    /// The engine's defaults, so flags and library agree.
    private static let defaults = TURNConfiguration(credentials: TURNCredentials(realm: "", users: [:]), relayIP: .unspecified(.ipv4))

    @Option(name: .customLong("denied-peer-ip"), help: ArgumentHelp("Also refuse peers in this range (repeatable).", valueName: "ip[/len]"))
    var deniedPeerIP: [String] = []

    @Option(name: .customLong("allowed-peer-ip"), help: ArgumentHelp(
        "Allow peers in this range even if denied (repeatable). By default loopback, private, CGNAT, link-local and multicast peers are refused, and the relay IP outside the relayed port range.",
        valueName: "ip[/len]"))
    var allowedPeerIP: [String] = []

    @Flag(name: .customLong("allow-loopback-peers"), help: "Allow loopback peers (for tests on one host).")
    var allowLoopbackPeers = false

    @Option(name: .customLong("relay-threads"), help: ArgumentHelp(
        "Threads that relay, each with its own socket on the --listen address (SO_REUSEPORT) and the allocations made through it (default: one per core).",
        valueName: "count"))
    var relayThreads: Int?

    /// How many relay threads to run: `--relay-threads`, else one per core (as coturn does).
    func threads() throws -> Int {
        guard let relayThreads else { return max(1, ProcessInfo.processInfo.activeProcessorCount) }
        guard (1...64).contains(relayThreads) else { throw ValidationError("--relay-threads must be 1 through 64") }
        return relayThreads
    }

    /// Whether any TURN flag asks for a relay.
    var wantsRelay: Bool { noAuth || !user.isEmpty || usersFile != nil || !staticAuthSecret.isEmpty }

    /// The relay configuration, or nil when no credentials or `--no-auth` were given (then no
    /// relay runs: TURN requests get 400 "answers only Binding here", and only STUN is served).
    func configuration(listenIP: IPAddress) throws -> TURNConfiguration? {
        if useAuthSecret && staticAuthSecret.isEmpty { throw ValidationError("--use-auth-secret needs --static-auth-secret SECRET") }
        guard wantsRelay else { return nil }
        if noAuth && (!user.isEmpty || usersFile != nil || !staticAuthSecret.isEmpty) {
            throw ValidationError("--no-auth cannot be combined with --user, --users-file or --static-auth-secret")
        }
        var users: [String: String] = [:]
        for entry in user + (try usersFileEntries()) {
            guard let colon = entry.firstIndex(of: ":"), colon != entry.startIndex, entry.index(after: colon) != entry.endIndex else {
                throw ValidationError("TURN user '\(entry)' must look like name:password")
            }
            users[String(entry[..<colon])] = String(entry[entry.index(after: colon)...])
        }
        let relay: IPAddress
        if let relayIP {
            guard let parsed = IPAddress(relayIP) else { throw ValidationError("--relay-ip '\(relayIP)' is not an IP address") }
            relay = parsed
        } else {
            guard listenIP != .unspecified(listenIP.family) else {
                throw ValidationError("a TURN relay listening on \(listenIP) needs --relay-ip: the address peers should send to")
            }
            relay = listenIP
        }
        guard minPort > 0, minPort <= maxPort else { throw ValidationError("--min-port must be 1 or more and at most --max-port") }
        guard maxAllocateLifetime > 0, permissionLifetime > 0, channelLifetime > 0, staleNonce > 0 else {
            throw ValidationError("lifetimes must be at least 1 second")
        }
        var configuration = TURNConfiguration(
            credentials: TURNCredentials(realm: realm, users: users, sharedSecrets: staticAuthSecret, open: noAuth), relayIP: relay)
        configuration.relayPorts = minPort...maxPort
        configuration.maximumLifetime = maxAllocateLifetime
        configuration.permissionLifetime = permissionLifetime
        configuration.channelLifetime = channelLifetime
        configuration.nonceLifetime = staleNonce
        configuration.userQuota = max(0, userQuota)
        configuration.ipQuota = max(0, ipQuota)
        configuration.totalQuota = max(0, totalQuota)
        guard maxPermissions > 0, maxChannels > 0 else { throw ValidationError("--max-permissions and --max-channels must be at least 1") }
        configuration.maximumPermissions = maxPermissions
        configuration.maximumChannels = maxChannels
        configuration.maximumAge = maxAllocationAge
        configuration.peerPolicy.denied += try prefixes(deniedPeerIP, flag: "--denied-peer-ip")
        configuration.peerPolicy.allowed += try prefixes(allowedPeerIP, flag: "--allowed-peer-ip")
        if allowLoopbackPeers { configuration.peerPolicy.allowed += PeerAddressPolicy.loopback }
        return configuration
    }

    private func usersFileEntries() throws -> [String] {
        guard let usersFile else { return [] }
        guard let text = try? String(contentsOfFile: usersFile, encoding: .utf8) else {
            throw ValidationError("cannot read --users-file '\(usersFile)'")
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    private func prefixes(_ texts: [String], flag: String) throws -> [IPPrefix] {
        try texts.map { text in
            guard let prefix = IPPrefix(text) else { throw ValidationError("\(flag) '\(text)' is not an IP or ip/len range") }
            return prefix
        }
    }
}
