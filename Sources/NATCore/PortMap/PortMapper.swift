import NATWire

/// Why a port-mapping exchange failed, with a stable code for JSON (`error.code`).
public struct PortMapError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// No default IPv4 gateway (and none given with --gateway).
        case noGateway = "no-gateway"
        /// Nothing answered within the wait.
        case noAnswer = "no-answer"
        /// The gateway answered with an error (result code, UPnP fault).
        case refused = "refused"
        /// An answer that does not parse.
        case malformedAnswer = "malformed-answer"
        /// The protocol cannot do this (NAT-PMP and PCP cannot list mappings).
        case unsupported = "unsupported"
        /// Sending or connecting failed locally.
        case io = "io-error"
    }

    public var kind: Kind
    public var message: String
    /// The gateway's own result: PCP/NAT-PMP result code name or UPnP error code, when it gave one.
    public var gatewayCode: String?
    /// The gateway's result number (NAT-PMP/PCP result code, UPnP error code), for decisions
    /// that must not read the label.
    public var resultCode: Int?

    public init(_ kind: Kind, _ message: String, gatewayCode: String? = nil, resultCode: Int? = nil) {
        self.kind = kind
        self.message = message
        self.gatewayCode = gatewayCode
        self.resultCode = resultCode
    }

    public var description: String { message }

    /// The JSON `error` object: the kind is the code.
    public var report: ReportError { ReportError(code: kind.rawValue, message: message) }
}

/// One gateway protocol, found and ready: every exchange is bounded by `limit`.
public protocol PortMapper: Sendable {
    var kind: PortMapProtocol { get }
    /// The gateway's external address, without creating a mapping.
    func externalAddress(limit: Duration) async throws(PortMapError) -> IPAddress
    /// Creates (or renews, when `request` matches an existing mapping) a mapping.
    func add(_ request: PortMapRequest, limit: Duration) async throws(PortMapError) -> PortMapping
    /// Deletes a mapping this host made.
    func delete(_ mapping: PortMapping, limit: Duration) async throws(PortMapError)
    /// The gateway's mappings (UPnP only; others throw `.unsupported`).
    func list(limit: Duration) async throws(PortMapError) -> [PortMapping]
    /// Refreshes a mapping's lifetime (the default repeats `add` for the same ports).
    func renew(_ mapping: PortMapping, lifetimeSeconds: UInt32, limit: Duration) async throws(PortMapError) -> PortMapping
}

extension PortMapper {
    /// Asks again for the same mapping with a fresh lifetime. UPnP and NAT-PMP renew by
    /// repeating the request for the same ports; PCP repeats the nonce as well.
    public func renew(_ mapping: PortMapping, lifetimeSeconds: UInt32, limit: Duration) async throws(PortMapError) -> PortMapping {
        try await add(
            PortMapRequest(
                transport: mapping.transport, internalPort: mapping.internalPort, suggestedExternalPort: mapping.externalPort,
                lifetimeSeconds: lifetimeSeconds, description: mapping.description ?? "natctl"),
            limit: limit)
    }
}
