import NATWire

/// How `relay serve` runs its TURN relay (RFC 8656). Flag names follow coturn's where it has one.
public struct TURNConfiguration: Sendable {
    /// Who may allocate.
    public var credentials: TURNCredentials
    /// The IP relayed sockets bind to and XOR-RELAYED-ADDRESS reports.
    public var relayIP: IPAddress
    /// Relayed ports are picked at random from this range (`--min-port`/`--max-port`).
    public var relayPorts: ClosedRange<UInt16> = 49152...65535
    /// Allocation lifetime when the client asks for none or for less (RFC 8656 §7.2: 600 s),
    /// never above `maximumLifetime`.
    public var defaultLifetime: UInt32 = 600
    /// The longest allocation lifetime granted (`--max-allocate-lifetime`, RFC default 3600 s).
    public var maximumLifetime: UInt32 = 3600
    /// Permissions last 300 s (§9) and channel bindings 600 s (§12) unless refreshed.
    public var permissionLifetime: UInt32 = 300
    public var channelLifetime: UInt32 = 600
    /// How long a nonce stays fresh before requests get 438 (`--stale-nonce`).
    public var nonceLifetime: UInt32 = 600
    /// Allocations per user (`--user-quota`), per client IP (`--ip-quota`) and in all
    /// (`--total-quota`), counted over every relay thread (`TURNQuotaLedger`); 0 means
    /// unlimited. Beyond them Allocate gets 486 (or 508 for the total). The defaults keep a
    /// public server's sockets and memory bounded; raise them for load tests.
    public var userQuota = 64
    public var ipQuota = 32
    public var totalQuota = 4096
    /// Permissions (peer IPs) and channels one allocation may hold (`--max-permissions`,
    /// `--max-channels`); beyond them CreatePermission and ChannelBind get 508.
    public var maximumPermissions = 128
    public var maximumChannels = 128
    /// How long an allocation may live however often it is refreshed (`--max-allocation-age`,
    /// seconds; 0: no limit). Refreshes never grant past it.
    public var maximumAge: UInt32 = 86_400
    public var peerPolicy = PeerAddressPolicy()
    /// How long a port held by EVEN-PORT with R waits for its RESERVATION-TOKEN (RFC 8656
    /// §7.2: about 30 s).
    public var reservationLifetime: UInt32 = 30

    public init(credentials: TURNCredentials, relayIP: IPAddress) {
        self.credentials = credentials
        self.relayIP = relayIP
    }

    /// RFC 8656 §7.2/§7.3: min(asked, maximum), but never below the default (which itself is
    /// capped by the maximum).
    func grantedLifetime(asked: UInt32?) -> UInt32 {
        let floor = min(defaultLifetime, maximumLifetime)
        guard let asked else { return floor }
        return max(min(asked, maximumLifetime), floor)
    }
}
