import NATWire

/// `natctl portmap add|delete|list`'s document, `natctl.portmap/1` (docs/json.md).
public struct PortMapCommandReport: Encodable, Sendable {
    public static let schema = "natctl.portmap/1"
    public var schema = PortMapCommandReport.schema
    /// add, delete or list.
    public var action: String
    @Nullable public var gateway: String?
    @Nullable public var localAddress: String?
    /// The protocol that did the job; null when none did.
    @Nullable public var `protocol`: PortMapProtocol?
    /// Protocols tried before it (or all of them, when none worked), with why each failed.
    public var attempts: [PortMapSelection.Attempt] = []
    /// add: the mapping granted (its latest renewal); delete: the mapping named.
    @Nullable public var mapping: PortMapping?
    /// Whether the gateway's external address is reachable from the internet; null when unknown.
    @Nullable public var externalIsPublic: Bool?
    /// add --duration: renewals made, and whether the mapping was deleted at the end.
    @Nullable public var renewals: Int?
    @Nullable public var deleted: Bool?
    /// add --duration: what ended the run (duration elapsed, SIGINT, SIGTERM).
    @Nullable public var stoppedBy: String?
    /// list: the gateway's mappings.
    @Nullable public var mappings: [PortMapping]?
    public var warnings: [String] = []
    @Nullable public var error: ReportError?
    public var durationMs: Double = 0

    public init(action: String) { self.action = action }
}
