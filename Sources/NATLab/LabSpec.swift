/// What `lab up` should build.
public struct LabSpec: Sendable {
    /// Short name; every namespace is called `natctl-<name>-…`, so labs never collide.
    public var name: String
    public var sites: [SiteSpec]
    /// Packets each router drops at random, per direction, in percent.
    public var lossPercent: Int
    /// One-way delay added on each site's WAN link by natctl's userspace wire, in milliseconds.
    public var delayMilliseconds: Int
    /// Each frame's delay varies uniformly by up to this much either way (so frames reorder).
    public var jitterMilliseconds: Int
    /// Whether every site and the server also get IPv6 (2001:db8::/32). Sites route IPv6 through
    /// a stateful firewall instead of NAT, as home routers do; lab-wide because the server needs
    /// two IPv6 addresses of its own for RFC 5780 whichever site uses them.
    public var ipv6: Bool

    public init(
        name: String = "lab", sites: [SiteSpec], lossPercent: Int = 0, delayMilliseconds: Int = 0, jitterMilliseconds: Int = 0,
        ipv6: Bool = false
    ) {
        self.name = name
        self.sites = sites
        self.lossPercent = lossPercent
        self.delayMilliseconds = delayMilliseconds
        self.jitterMilliseconds = jitterMilliseconds
        self.ipv6 = ipv6
    }

    /// Adds `--forward a:4000`: the site's router forwards port 4000 (UDP and TCP) to its host.
    public mutating func addForward(_ text: String) throws(LabError) {
        let parts = text.split(separator: ":").map(String.init)
        guard parts.count == 2, let port = UInt16(parts[1]), port != 0, let index = sites.firstIndex(where: { $0.name == parts[0] }) else {
            throw .invalidSpec("--forward '\(text)' must look like a:4000, naming a site of this lab and a port 1-65535")
        }
        sites[index].forwardedPorts.append(port)
    }

    /// Whether sites need a wire namespace with the userspace delay element.
    var needsWire: Bool { delayMilliseconds > 0 || jitterMilliseconds > 0 }

    public struct SiteSpec: Sendable, Codable, Equatable {
        public var name: String
        public var behaviour: NATBehaviour
        /// Ports the router forwards (UDP and TCP) from its WAN address to the host, like a
        /// home router's port forward or a UPnP mapping.
        public var forwardedPorts: [UInt16] = []
        /// Whether the router loops packets for its own public address back inside (RFC 4787 §6).
        public var hairpin = false
        /// Whether the router drops unsolicited UDP to itself before conntrack keeps it (`no-input-firewall` turns it off).
        public var inputFirewall = true
        /// Idle UDP mapping lifetime in seconds (an nftables ct timeout policy on the home router,
        /// for IPv4 and the IPv6 firewall alike); nil: the kernel's 30/120 s.
        public var udpTimeoutSeconds: Int?
        /// A carrier-grade NAT in front of the home router (RFC 6598 shared space 100.64.0.0/10
        /// between them), with this behaviour; nil: the home router is on the internet itself.
        /// With one, `hairpin` is built on the CGNAT, whose address is the one the world sees.
        public var cgnat: NATBehaviour?
        /// Port-mapping protocols the home router offers (miniupnpd): `portmap` for all three,
        /// `portmap=upnp` or `portmap=natpmp` (NAT-PMP and PCP, which miniupnpd serves together).
        public var portMapping: PortMappingService?

        public init(name: String, behaviour: NATBehaviour, forwardedPorts: [UInt16] = []) {
            self.name = name
            self.behaviour = behaviour
            self.forwardedPorts = forwardedPorts
        }

        /// Parses `a=eim-apdf`, with options: `a=eim-apdf,hairpin,no-input-firewall,udp-timeout=5,cgnat,portmap` or `cgnat=apdm-apdf`.
        public init(parsing text: String) throws(LabError) {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, LabSpec.isValidName(parts[0], maxLength: 6) else {
                throw .invalidSpec("--site '\(text)' must look like a=eim-apdf (site names: 1-6 lowercase letters or digits)")
            }
            let options = parts[1].split(separator: ",").map(String.init)
            guard let behaviour = options.first.flatMap(NATBehaviour.init(rawValue:)) else {
                throw .invalidSpec("unknown NAT behaviour '\(options.first ?? "")'; 'natctl lab list' shows them: \(Self.known)")
            }
            self.init(name: parts[0], behaviour: behaviour)
            for option in options.dropFirst() {
                if option == "hairpin" {
                    hairpin = true
                } else if option == "no-input-firewall" {
                    guard behaviour != .none else { throw .invalidSpec("no-input-firewall needs a NAT; 'none' only routes") }
                    inputFirewall = false
                } else if option.hasPrefix("udp-timeout="), let seconds = Int(option.dropFirst("udp-timeout=".count)), (1...3600).contains(seconds) {
                    guard behaviour != .none else { throw .invalidSpec("udp-timeout needs a NAT; 'none' has no mappings") }
                    udpTimeoutSeconds = seconds
                } else if option == "portmap" || option.hasPrefix("portmap=") {
                    guard behaviour != .none else { throw .invalidSpec("portmap needs a NAT router; 'none' has none to ask") }
                    guard let service = PortMappingService(rawValue: option == "portmap" ? "all" : String(option.dropFirst("portmap=".count))) else {
                        throw .invalidSpec("'\(option)': portmap takes upnp or natpmp, or nothing for all three protocols")
                    }
                    portMapping = service
                } else if option == "cgnat" || option.hasPrefix("cgnat=") {
                    cgnat = try Self.carrierBehaviour(option, home: behaviour)
                } else {
                    throw .invalidSpec(
                        "unknown site option '\(option)' in '\(text)'; options are hairpin, no-input-firewall, udp-timeout=SECONDS (1-3600), cgnat, cgnat=BEHAVIOUR, portmap and portmap=upnp|natpmp")
                }
            }
            // After the loop, so options may come in any order.
            if hairpin {
                for layer in [behaviour] + (cgnat.map { [$0] } ?? []) where !layer.canHairpin {
                    throw .invalidSpec("hairpin needs endpoint-independent NATs (eim-*) on the way out, not \(layer.rawValue)")
                }
            }
        }

        private static var known: String { NATBehaviour.allCases.map(\.rawValue).joined(separator: ", ") }

        /// Plain `cgnat` is eim-apdf: RFC 6888 holds carrier NATs to RFC 4787, whose REQ-1 is
        /// endpoint-independent mapping, and Linux masquerade filters by address and port.
        private static func carrierBehaviour(_ option: String, home: NATBehaviour) throws(LabError) -> NATBehaviour {
            guard home != .none else {
                throw .invalidSpec("cgnat needs a home NAT in front of it; 'none' gives the host a public address")
            }
            guard option != "cgnat" else { return .eimAPDF }
            let name = String(option.dropFirst("cgnat=".count))
            guard let carrier = NATBehaviour(rawValue: name), carrier != .none else {
                throw .invalidSpec("cgnat=\(name) is not a NAT behaviour; use one of \(known) except none")
            }
            return carrier
        }
    }

    /// Checks names and limits before anything is created.
    public func validate() throws(LabError) {
        guard Self.isValidName(name, maxLength: 12) else {
            throw .invalidSpec("lab name '\(name)' must be 1-12 lowercase letters or digits")
        }
        guard !sites.isEmpty, sites.count <= 2 else { throw .invalidSpec("a lab has one or two sites, not \(sites.count)") }
        guard Set(sites.map(\.name)).count == sites.count else { throw .invalidSpec("site names must differ") }
        guard (0...100).contains(lossPercent) else { throw .invalidSpec("--loss must be 0 to 100, not \(lossPercent)") }
        guard (0...5000).contains(delayMilliseconds) else { throw .invalidSpec("--delay must be 0 to 5000 ms, not \(delayMilliseconds)") }
        guard (0...delayMilliseconds).contains(jitterMilliseconds) else {
            throw .invalidSpec("--jitter must be 0 to --delay (\(delayMilliseconds) ms), not \(jitterMilliseconds)")
        }
    }

    static func isValidName(_ text: String, maxLength: Int) -> Bool {
        !text.isEmpty && text.count <= maxLength && text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) }
    }
}
