import Foundation

/// A running lab as `lab up` left it: written to `/run/natctl/labs/<name>.json` so `status`,
/// `exec`, `verify` and `down` (from other processes) can find it.
public struct LabState: Codable, Sendable {
    public struct Site: Codable, Sendable {
        public var name: String
        public var behaviour: NATBehaviour
        public var hostNamespace: String
        public var routerNamespace: String
        /// The host's own address (private behind NAT, public for `none`).
        public var hostAddress: String
        /// The router's public (WAN) address: what servers see when the host is behind NAT.
        public var publicAddress: String
        /// Ports the router forwards to the host (UDP and TCP); null when none.
        public var forwardedPorts: [UInt16]?
        /// Site options, so `verify` knows what to prove; null when off (and in older state files).
        public var hairpin: Bool?
        /// True when the router has no input firewall (unsolicited packets can claim mappings).
        public var noInputFirewall: Bool?
        public var udpTimeoutSeconds: Int?
        /// The carrier-grade NAT in front of the home router and its namespace; null without one.
        public var cgnat: NATBehaviour?
        public var cgnatNamespace: String?
        /// The home router's WAN address: in 100.64.0.0/10 behind a CGNAT, else `publicAddress`.
        public var homeWanAddress: String?
        /// The host's IPv6 address in labs built with --ipv6; also what servers see, since the
        /// router firewalls IPv6 rather than translating it. Null without IPv6.
        public var hostAddress6: String?
        /// The port-mapping protocols the router's miniupnpd serves, and its process; null without.
        public var portMapping: PortMappingService?
        public var portMapperPID: Int32?
        /// The router's LAN address: the host's gateway, where UPnP, NAT-PMP and PCP answer.
        public var routerLANAddress: String?

        public init(
            name: String, behaviour: NATBehaviour, hostNamespace: String, routerNamespace: String, hostAddress: String,
            publicAddress: String, forwardedPorts: [UInt16]? = nil, hairpin: Bool? = nil, noInputFirewall: Bool? = nil,
            udpTimeoutSeconds: Int? = nil,
            cgnat: NATBehaviour? = nil, cgnatNamespace: String? = nil, homeWanAddress: String? = nil, hostAddress6: String? = nil,
            portMapping: PortMappingService? = nil, routerLANAddress: String? = nil
        ) {
            self.portMapping = portMapping
            self.routerLANAddress = routerLANAddress
            self.name = name
            self.behaviour = behaviour
            self.hostNamespace = hostNamespace
            self.routerNamespace = routerNamespace
            self.hostAddress = hostAddress
            self.publicAddress = publicAddress
            self.forwardedPorts = forwardedPorts
            self.hairpin = hairpin
            self.noInputFirewall = noInputFirewall
            self.udpTimeoutSeconds = udpTimeoutSeconds
            self.cgnat = cgnat
            self.cgnatNamespace = cgnatNamespace
            self.homeWanAddress = homeWanAddress
            self.hostAddress6 = hostAddress6
        }
    }

    public var schema = "natctl.lab/1"
    public var name: String
    public var sites: [Site]
    public var publicNamespace: String
    /// The lab's natctl STUN server: primary first, then the RFC 5780 alternate.
    public var servers: [String]
    public var serverPID: Int32?
    /// The IPv6 server (primary, alternate) and its process, in labs built with --ipv6; else null.
    public var servers6: [String]?
    public var server6PID: Int32?
    public var lossPercent: Int
    /// One-way WAN delay and its jitter in milliseconds (null in labs built without them).
    public var delayMilliseconds: Int?
    public var jitterMilliseconds: Int?
    public var upMilliseconds: Double

    public func site(_ name: String) throws(LabError) -> Site {
        guard let site = sites.first(where: { $0.name == name }) else {
            throw .unknownSite(name, available: sites.map(\.name))
        }
        return site
    }

    /// Every namespace this lab owns.
    public var namespaces: [String] {
        [publicNamespace] + sites.flatMap { [$0.routerNamespace, $0.hostNamespace] + ($0.cgnatNamespace.map { [$0] } ?? []) }
    }

    // MARK: Persistence

    static let directory = URL(fileURLWithPath: "/run/natctl/labs")

    static func file(_ name: String) -> URL { directory.appendingPathComponent("\(name).json") }

    public static func load(_ name: String) throws(LabError) -> LabState {
        guard let data = try? Data(contentsOf: file(name)), let state = try? JSONDecoder().decode(LabState.self, from: data) else {
            throw .unknownLab(name)
        }
        return state
    }

    /// Names of labs with a state file.
    public static func all() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    func save() throws(LabError) {
        do {
            try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(self).write(to: Self.file(name))
        } catch {
            throw .commandFailed(command: "write \(Self.file(name).path)", status: -1, stderr: "\(error)")
        }
    }

    /// Where the lab's server writes its output (read by `up` to see it is listening); `family`
    /// "6" names the IPv6 server's log.
    public static func serverLog(_ name: String, family: String = "") -> URL {
        directory.appendingPathComponent("\(name)-server\(family).log")
    }

    static func remove(_ name: String) {
        try? FileManager.default.removeItem(at: file(name))
        try? FileManager.default.removeItem(at: serverLog(name))
        try? FileManager.default.removeItem(at: serverLog(name, family: "6"))
        // Each portmap site's miniupnpd config, log, lease and pid files.
        let prefix = "\(name)-"
        for file in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        where file.hasPrefix(prefix) && file.contains("-miniupnpd.") {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(file))
        }
    }
}
