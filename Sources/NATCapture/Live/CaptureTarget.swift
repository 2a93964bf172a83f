/// One device to capture on, optionally in another network namespace (lab captures).
public struct CaptureTarget: Sendable, Hashable, CustomStringConvertible {
    public var interface: String
    /// An `ip netns` name; nil for the namespace natctl runs in.
    public var namespace: String?

    public init(interface: String, namespace: String? = nil) {
        self.interface = interface
        self.namespace = namespace
    }

    /// "eth0", or "lab-a-router/wan0" for a namespaced device: the name pcapng files and
    /// explanations use.
    public var description: String { namespace.map { "\($0)/\(interface)" } ?? interface }
}
