import NATCore
import NATLab
import NATWire

/// `lab up` / `lab status` with --json (schema natctl.lab/2, docs/schema/natctl.lab.2.json):
/// the lab state in natctl's JSON vocabulary, every key present (null when it does not apply),
/// durations in milliseconds. The state file keeps its own format (`LabState`).
struct LabDocument: Encodable {
    static let schema = "natctl.lab/2"

    struct Site: Encodable {
        var name: String
        var behaviour: String
        var hostNamespace: String
        var routerNamespace: String
        /// The host's own address (private behind NAT, public for `none`).
        var hostAddress: String
        /// What servers see when the host is behind NAT.
        var publicAddress: String
        /// Ports the router forwards to the host (UDP and TCP); empty when none.
        var forwardedPorts: [UInt16]
        /// Whether the NAT hairpins; null when the option is off.
        @Nullable var hairpin: Bool?
        /// True when the router has no input firewall (unsolicited packets claim mappings); null when the option is off.
        @Nullable var noInputFirewall: Bool?
        /// Idle UDP mappings expire after this long; null: the kernel's default.
        @Nullable var udpTimeoutMs: Int?
        @Nullable var cgnat: String?
        @Nullable var cgnatNamespace: String?
        /// The home router's WAN address (in 100.64.0.0/10 behind a CGNAT).
        @Nullable var homeWanAddress: String?
        /// The host's IPv6 address in labs built with --ipv6; null without IPv6.
        @Nullable var hostAddress6: String?
        /// Port-mapping protocols the router's miniupnpd serves (`portmap` option); null when off.
        @Nullable var portMapping: [String]?
        /// The router's LAN address: the host's gateway, where those protocols answer.
        @Nullable var gateway: String?
    }

    var schema = LabDocument.schema
    var name: String
    var sites: [Site]
    var publicNamespace: String
    /// The lab's STUN server: primary, then the RFC 5780 alternate.
    var servers: [String]
    @Nullable var serverPid: Int32?
    @Nullable var servers6: [String]?
    @Nullable var server6Pid: Int32?
    var lossPercent: Int
    /// One-way WAN delay and its jitter in milliseconds; null in labs built without them.
    @Nullable var delayMs: Int?
    @Nullable var jitterMs: Int?
    /// How long `lab up` took, in milliseconds.
    var upMs: Double
    /// Always null here: a lab that could not be shown prints `{schema, error}` instead.
    @Nullable var error: ReportError? = nil

    init(_ state: LabState) {
        name = state.name
        sites = state.sites.map {
            Site(
                name: $0.name, behaviour: $0.behaviour.rawValue, hostNamespace: $0.hostNamespace,
                routerNamespace: $0.routerNamespace,
                hostAddress: $0.hostAddress, publicAddress: $0.publicAddress, forwardedPorts: $0.forwardedPorts ?? [],
                hairpin: $0.hairpin, noInputFirewall: $0.noInputFirewall, udpTimeoutMs: $0.udpTimeoutSeconds.map { $0 * 1000 }, cgnat: $0.cgnat?.rawValue,
                cgnatNamespace: $0.cgnatNamespace, homeWanAddress: $0.homeWanAddress, hostAddress6: $0.hostAddress6,
                portMapping: $0.portMapping?.protocols, gateway: $0.routerLANAddress)
        }
        publicNamespace = state.publicNamespace
        servers = state.servers
        serverPid = state.serverPID
        servers6 = state.servers6
        server6Pid = state.server6PID
        lossPercent = state.lossPercent
        delayMs = state.delayMilliseconds
        jitterMs = state.jitterMilliseconds
        upMs = state.upMilliseconds
    }
}
