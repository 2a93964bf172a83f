import NATWire

/// AutoNAT-style dial-back results (docs/protocol.md): whether unsolicited connections from
/// an address we never contacted reach our listen ports.
public struct ReachabilityReport: Encodable, Sendable {
    /// One dial-back attempt.
    public struct PortResult: Encodable, Sendable {
        /// `udp` or `tcp`.
        public var transport: String
        /// The local listen port tested.
        public var port: UInt16
        /// `reachable`, `unreachable` or `unknown` (the server could not or would not dial).
        public var result: String
        /// Where the dial came from, or why there is no result.
        public var detail: String

        public init(transport: String, port: UInt16, result: String, detail: String) {
            self.transport = transport
            self.port = port
            self.result = result
            self.detail = detail
        }
    }

    /// `public` when some tested port is reachable, `private` when all were dialled and none
    /// were, `unknown` when the server could not dial.
    public var overall: String
    public var ports: [PortResult]
    /// `--dial-back --portmap`: the gateway mappings the server was asked to dial (deleted
    /// afterwards), and why a port got none; null without --portmap.
    @Nullable public var portMappings: [PortMapping]?
    public var warnings: [String] = []

    public init(overall: String, ports: [PortResult]) {
        self.overall = overall
        self.ports = ports
    }
}
