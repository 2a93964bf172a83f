/// A control action's answer (UDA 1.1 §3.2.2 and §3.2.4): the `<ActionResponse>` element's
/// output arguments, or a SOAP Fault carrying a UPnPError.
public enum SOAPResponse: Sendable, Equatable {
    /// Output arguments by name (values trimmed, entities decoded).
    case success([String: String])
    case fault(UPnPFault)

    static let place = "SOAP response"

    /// Parses the HTTP body of a control POST's answer for `action`.
    public init(parsing body: [UInt8], action: String) throws(UPnPDecodeError) {
        let envelope = try XMLReader.parse(body)
        guard envelope.name == "Envelope" else { throw UPnPDecodeError(Self.place, "root element is <\(envelope.qualifiedName)>, not an Envelope") }
        guard let soapBody = envelope.child("Body") else { throw UPnPDecodeError(Self.place, "no Body in the Envelope") }
        if let fault = soapBody.child("Fault") {
            let code = fault.firstDescendant("errorCode")?.value
            self = .fault(
                UPnPFault(
                    code: code.flatMap { Int($0) }, errorDescription: fault.firstDescendant("errorDescription")?.value,
                    faultString: fault.child("faultstring")?.value))
            return
        }
        guard let answer = soapBody.child(action + "Response") else {
            let found = soapBody.children.first.map { "<\($0.qualifiedName)>" } ?? "nothing"
            throw UPnPDecodeError(Self.place, "expected <\(action)Response> in the Body, found \(found)")
        }
        var arguments: [String: String] = [:]
        for argument in answer.children { arguments[argument.name] = argument.value }
        self = .success(arguments)
    }
}

/// A gateway's refusal: the UPnPError in a SOAP Fault's detail (UDA 1.1 §3.2.4).
public struct UPnPFault: Error, Sendable, Equatable, CustomStringConvertible {
    /// errorCode; nil when the fault carried none (or not a number).
    public var code: Int?
    public var errorDescription: String?
    /// SOAP's own faultstring ("UPnPError" in a well-formed fault).
    public var faultString: String?

    public init(code: Int?, errorDescription: String? = nil, faultString: String? = nil) {
        self.code = code
        self.errorDescription = errorDescription
        self.faultString = faultString
    }

    /// "718 ConflictInMappingEntry": the code and its spec name, for `PortMapError.gatewayCode`.
    public var label: String {
        guard let code else { return faultString ?? "fault without errorCode" }
        if let name = UPnPErrorCode.name(of: code) { return "\(code) \(name)" }
        if let errorDescription, !errorDescription.isEmpty { return "\(code) \(errorDescription)" }
        return "\(code)"
    }

    public var description: String {
        if let errorDescription, !errorDescription.isEmpty, UPnPErrorCode.name(of: code ?? -1) != errorDescription {
            return "\(label) (\(errorDescription))"
        }
        return label
    }
}
