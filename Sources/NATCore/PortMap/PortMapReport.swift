import NATWire

/// probe's `port_mapping` object (docs/json.md).
public struct PortMapReport: Encodable, Sendable {
    public var mode: PortMapSurvey.Mode
    @Nullable public var gateway: String?
    @Nullable public var localAddress: String?
    public var protocols: [ProtocolResult] = []
    public var warnings: [String] = []
    @Nullable public var durationMilliseconds: Double?
    /// Why the gateway could not be asked at all (no default route); null otherwise.
    @Nullable public var error: ReportError?

    public init(mode: PortMapSurvey.Mode) { self.mode = mode }

    /// Protocols that answered with a public external address (and, when tested, mapped).
    public var usable: [PortMapProtocol] { protocols.filter { $0.usable == true }.map(\.protocol) }
    /// Whether the gateway offers a mapping that reaches the internet: nil when the only
    /// answer that might is PCP's ANNOUNCE, which says nothing of the external address.
    public var offersUsableMapping: Bool? {
        if !usable.isEmpty { return true }
        return protocols.contains { $0.usable == nil } ? nil : false
    }
    /// Protocols that answered at all.
    public var offered: [PortMapProtocol] { protocols.filter(\.answered).map(\.protocol) }

    enum CodingKeys: String, CodingKey {
        case mode, gateway, localAddress = "local_address", protocols, offered, usable, warnings, durationMilliseconds = "duration_ms", error
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(mode, forKey: .mode)
        try container.encode(_gateway, forKey: .gateway)
        try container.encode(_localAddress, forKey: .localAddress)
        try container.encode(protocols, forKey: .protocols)
        try container.encode(offered, forKey: .offered)
        try container.encode(usable, forKey: .usable)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(_durationMilliseconds, forKey: .durationMilliseconds)
        try container.encode(_error, forKey: .error)
    }

    public struct ProtocolResult: Encodable, Sendable {
        public var `protocol`: PortMapProtocol
        /// Whether the gateway answered this protocol at all (an error answer counts).
        public var answered = false
        @Nullable public var externalAddress: String?
        @Nullable public var externalIsPublic: Bool?
        /// Server name, service and control URL (UPnP), epoch (NAT-PMP, PCP).
        @Nullable public var detail: String?
        @Nullable public var error: ReportError?
        /// The gateway's own code (NAT-PMP/PCP result name, UPnP error code).
        @Nullable public var gatewayCode: String?
        /// The same as a number (not encoded: `gateway_code` says it).
        var resultCode: Int?
        /// probe --portmap map only: the test mapping, whether it was deleted, what failed.
        @Nullable public var testMapping: PortMapping?
        @Nullable public var testMappingDeleted: Bool?
        @Nullable public var testMappingError: ReportError?
        @Nullable public var durationMilliseconds: Double?

        init(protocol: PortMapProtocol) { self.protocol = `protocol` }

        /// Answered, with a public address, and (when a mapping was tried) mapped; nil when it
        /// answered but its external address is unknown (PCP without a test mapping).
        public var usable: Bool? {
            // A failed deletion still proved the mapping; a failed mapping proves the opposite.
            guard answered, error == nil, externalIsPublic != false, testMapping != nil || testMappingError == nil else { return false }
            return externalIsPublic == nil ? nil : true
        }

        mutating func note(_ address: IPAddress) {
            answered = true
            externalAddress = address.description
            externalIsPublic = address.isPubliclyRoutable
        }

        /// No answer leaves `answered` false; an answer that refused or did not parse still counts as "there".
        mutating func fail(_ error: PortMapError) {
            answered = answered || error.kind == .refused || error.kind == .malformedAnswer
            self.error = error.report
            gatewayCode = error.gatewayCode
            resultCode = error.resultCode
        }

        enum CodingKeys: String, CodingKey {
            case `protocol`, answered, externalAddress = "external_address", externalIsPublic = "external_is_public", detail, error
            case gatewayCode = "gateway_code", testMapping = "test_mapping", testMappingDeleted = "test_mapping_deleted"
            case testMappingError = "test_mapping_error", durationMilliseconds = "duration_ms", usable
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(`protocol`, forKey: .protocol)
            try container.encode(answered, forKey: .answered)
            try container.encode(Nullable(wrappedValue: usable), forKey: .usable)
            try container.encode(_externalAddress, forKey: .externalAddress)
            try container.encode(_externalIsPublic, forKey: .externalIsPublic)
            try container.encode(_detail, forKey: .detail)
            try container.encode(_error, forKey: .error)
            try container.encode(_gatewayCode, forKey: .gatewayCode)
            try container.encode(_testMapping, forKey: .testMapping)
            try container.encode(_testMappingDeleted, forKey: .testMappingDeleted)
            try container.encode(_testMappingError, forKey: .testMappingError)
            try container.encode(_durationMilliseconds, forKey: .durationMilliseconds)
        }
    }
}
