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

    public init(name: String = "lab", sites: [SiteSpec], lossPercent: Int = 0, delayMilliseconds: Int = 0, jitterMilliseconds: Int = 0) {
        self.name = name
        self.sites = sites
        self.lossPercent = lossPercent
        self.delayMilliseconds = delayMilliseconds
        self.jitterMilliseconds = jitterMilliseconds
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
        /// Idle UDP mapping lifetime in seconds (an nftables ct timeout policy); nil: the kernel's 30/120 s.
        public var udpTimeoutSeconds: Int?

        public init(name: String, behaviour: NATBehaviour, forwardedPorts: [UInt16] = []) {
            self.name = name
            self.behaviour = behaviour
            self.forwardedPorts = forwardedPorts
        }

        /// Parses `a=eim-apdf`, with options: `a=eim-apdf,hairpin,udp-timeout=5`.
        public init(parsing text: String) throws(LabError) {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, LabSpec.isValidName(parts[0], maxLength: 6) else {
                throw .invalidSpec("--site '\(text)' must look like a=eim-apdf (site names: 1-6 lowercase letters or digits)")
            }
            let options = parts[1].split(separator: ",").map(String.init)
            guard let behaviour = options.first.flatMap(NATBehaviour.init(rawValue:)) else {
                let known = NATBehaviour.allCases.map(\.rawValue).joined(separator: ", ")
                throw .invalidSpec("unknown NAT behaviour '\(options.first ?? "")'; 'natctl lab list' shows them: \(known)")
            }
            self.init(name: parts[0], behaviour: behaviour)
            for option in options.dropFirst() {
                if option == "hairpin" {
                    guard behaviour.canHairpin else { throw .invalidSpec("hairpin needs an endpoint-independent NAT (eim-*), not \(behaviour.rawValue)") }
                    hairpin = true
                } else if option.hasPrefix("udp-timeout="), let seconds = Int(option.dropFirst("udp-timeout=".count)), (1...3600).contains(seconds) {
                    guard behaviour != .none else { throw .invalidSpec("udp-timeout needs a NAT; 'none' has no mappings") }
                    udpTimeoutSeconds = seconds
                } else {
                    throw .invalidSpec("unknown site option '\(option)' in '\(text)'; options are hairpin and udp-timeout=SECONDS (1-3600)")
                }
            }
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
        guard (0...delayMilliseconds).contains(jitterMilliseconds) || (delayMilliseconds == 0 && jitterMilliseconds == 0) else {
            throw .invalidSpec("--jitter must be 0 to --delay (\(delayMilliseconds) ms), not \(jitterMilliseconds)")
        }
    }

    static func isValidName(_ text: String, maxLength: Int) -> Bool {
        !text.isEmpty && text.count <= maxLength && text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) }
    }
}
