import NATWire

/// `natctl trace`'s result (schema natctl.trace/1, docs/json.md): the capture's interfaces,
/// a timeline of the packets on this host's interfaces, and the findings.
public struct TraceReport: Sendable, Encodable {
    public var schema = "natctl.trace/1"
    /// "live", or the file that was read.
    public var source: String
    /// The file the capture was written to; nil when it was not.
    public var file: String?
    public var localAddresses: [String]
    public var interfaces: [Interface]
    /// Frames in the capture, all interfaces.
    public var packets: Int
    public var timeline: [TimelineEntry]
    public var findings: [TraceFinding]
    /// The operation a live trace ran; nil for `--read`.
    public var operation: TracedOperation?

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema, forKey: .schema)
        try c.encode(source, forKey: .source)
        try c.encode(file, forKey: .file)
        try c.encode(localAddresses, forKey: .localAddresses)
        try c.encode(interfaces, forKey: .interfaces)
        try c.encode(packets, forKey: .packets)
        try c.encode(timeline, forKey: .timeline)
        try c.encode(findings, forKey: .findings)
        try c.encode(operation, forKey: .operation)
    }

    enum CodingKeys: String, CodingKey { case schema, source, file, localAddresses, interfaces, packets, timeline, findings, operation }

    public struct Interface: Sendable, Encodable {
        public var name: String
        public var linkType: String
        /// One of this host's own interfaces (false for lab NATs and peers).
        public var local: Bool
        public var addresses: [String]
        public var packets: Int
        /// Dropped because the capture fell behind; nil when the source does not say (pcap files).
        public var kernelDrops: Int?
        public var interfaceDrops: Int?

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(linkType, forKey: .linkType)
            try c.encode(local, forKey: .local)
            try c.encode(addresses, forKey: .addresses)
            try c.encode(packets, forKey: .packets)
            try c.encode(kernelDrops, forKey: .kernelDrops)
            try c.encode(interfaceDrops, forKey: .interfaceDrops)
        }

        enum CodingKeys: String, CodingKey { case name, linkType, local, addresses, packets, kernelDrops, interfaceDrops }
    }

    public init(capture: Capture, context: TraceContext, findings: [TraceFinding], source: String) {
        self.source = source
        self.localAddresses = context.locals.sorted().map(\.description)
        self.interfaces = capture.interfaces.enumerated().map { index, interface in
            let drops = capture.drops.indices.contains(index) ? capture.drops[index] : nil
            return Interface(
                name: interface.name, linkType: interface.linkType.description, local: context.localInterfaces.contains(index),
                addresses: interface.addresses.map(\.description), packets: capture.frames.filter { $0.interface == index }.count,
                kernelDrops: drops?.kernel ?? nil, interfaceDrops: drops?.interface ?? nil)
        }
        self.packets = capture.frames.count
        let start = context.packets.first?.timestampNanos ?? 0
        self.timeline = context.packets.map { TimelineEntry($0, context: context, start: start) }
        self.findings = findings
    }

    /// Kernel drops across interfaces; nil when no interface reported any count.
    public var kernelDrops: Int? {
        let known = interfaces.compactMap(\.kernelDrops)
        return known.isEmpty ? nil : known.reduce(0) { $0.addingReportingOverflow($1).partialValue }
    }
}
