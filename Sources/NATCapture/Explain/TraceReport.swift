import NATWire

/// `natctl trace`'s result (schema natctl.trace/2, docs/json.md and
/// docs/schema/natctl.trace.2.json): the capture's interfaces, a timeline with one row per
/// datagram (and where it was seen), and the findings.
public struct TraceReport: Sendable, Encodable {
    public static let schema = "natctl.trace/2"
    public var schema = TraceReport.schema
    /// "live", or the file that was read.
    public var source: String
    /// The file the capture was written to; nil when it was not.
    @Nullable public var file: String?
    public var localAddresses: [String]
    public var interfaces: [Interface]
    /// Frames in the capture, all interfaces.
    public var packets: Int
    /// Live captures: frames seen after the capture limit and not kept (0 when all were kept);
    /// nil for `--read`.
    @Nullable public var packetsNotKept: Int?
    /// "SIGINT" or "SIGTERM" when a signal stopped the trace early (the report covers what
    /// was captured until then); nil when it ran to its end.
    @Nullable public var interrupted: String?
    public var timeline: [TimelineEntry]
    public var findings: [TraceFinding]
    /// The operation a live trace ran; nil for `--read`.
    @Nullable public var operation: TracedOperation?

    public struct Interface: Sendable, Encodable {
        public var name: String
        public var linkType: String
        /// One of this host's own interfaces (false for lab NATs and peers).
        public var local: Bool
        public var addresses: [String]
        public var packets: Int
        /// Dropped because the capture fell behind; nil when the source does not say (pcap files).
        @Nullable public var kernelDrops: Int?
        @Nullable public var interfaceDrops: Int?
    }

    public init(capture: Capture, context: TraceContext, findings: [TraceFinding], source: String) {
        self.source = source
        self.localAddresses = context.locals.sorted().map(\.description)
        var perInterface = [Int](repeating: 0, count: capture.interfaces.count)
        for frame in capture.frames where perInterface.indices.contains(frame.interface) { perInterface[frame.interface] += 1 }
        self.interfaces = capture.interfaces.enumerated().map { index, interface in
            let drops = capture.drops.indices.contains(index) ? capture.drops[index] : nil
            return Interface(
                name: interface.name, linkType: interface.linkType.description, local: context.localInterfaces.contains(index),
                addresses: interface.addresses.map(\.description), packets: perInterface[index],
                kernelDrops: drops?.kernel ?? nil, interfaceDrops: drops?.interface ?? nil)
        }
        self.packets = capture.frames.count
        self.timeline = Timeline.rows(context)
        self.findings = findings
    }

    /// Kernel drops across interfaces; nil when no interface reported any count.
    public var kernelDrops: Int? {
        let known = interfaces.compactMap(\.kernelDrops)
        return known.isEmpty ? nil : known.reduce(0) { $0.addingReportingOverflow($1).partialValue }
    }
}
