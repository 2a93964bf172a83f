/// A UPnP control action as a SOAP 1.1 envelope (UDA 1.1 §3.2.1): arguments in the order the
/// service description lists them (some gateways check the order), values XML-escaped.
public struct SOAPRequest: Sendable, Equatable {
    public var serviceType: String
    public var action: String
    public var arguments: [Argument]

    public struct Argument: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public init(serviceType: String, action: String, arguments: [(String, String)] = []) {
        self.serviceType = serviceType
        self.action = action
        self.arguments = arguments.map { Argument(name: $0.0, value: $0.1) }
    }

    /// The SOAPAction header's value, quotes included.
    public var soapActionHeader: String { "\"\(serviceType)#\(action)\"" }

    /// The whole envelope.
    public var envelope: String {
        let body = arguments.map { "<\($0.name)>\(XMLReader.escape($0.value))</\($0.name)>" }.joined()
        return "<?xml version=\"1.0\"?>\r\n"
            + "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\">"
            + "<s:Body><u:\(action) xmlns:u=\"\(XMLReader.escape(serviceType))\">\(body)</u:\(action)></s:Body></s:Envelope>\r\n"
    }
}

/// The WANIPConnection / WANPPPConnection actions natctl uses (IGD:2 WANIPConnection §2.5).
extension SOAPRequest {
    public static func getExternalIPAddress(_ service: UPnPServiceType) -> SOAPRequest {
        SOAPRequest(serviceType: service.rawValue, action: "GetExternalIPAddress")
    }

    /// AddPortMapping, or AddAnyPortMapping when `anyPort` (IGD:2: the gateway may grant another
    /// external port and says which in NewReservedPort). NewRemoteHost is empty: any peer.
    public static func addPortMapping(
        _ service: UPnPServiceType, anyPort: Bool = false, externalPort: UInt16, transport: MappedTransport, internalPort: UInt16,
        internalClient: IPAddress, description: String, leaseSeconds: UInt32
    ) -> SOAPRequest {
        SOAPRequest(
            serviceType: service.rawValue, action: anyPort ? "AddAnyPortMapping" : "AddPortMapping",
            arguments: [
                ("NewRemoteHost", ""), ("NewExternalPort", "\(externalPort)"), ("NewProtocol", transport.upnpName),
                ("NewInternalPort", "\(internalPort)"), ("NewInternalClient", internalClient.description), ("NewEnabled", "1"),
                ("NewPortMappingDescription", description), ("NewLeaseDuration", "\(leaseSeconds)"),
            ])
    }

    public static func deletePortMapping(_ service: UPnPServiceType, externalPort: UInt16, transport: MappedTransport) -> SOAPRequest {
        SOAPRequest(
            serviceType: service.rawValue, action: "DeletePortMapping",
            arguments: [("NewRemoteHost", ""), ("NewExternalPort", "\(externalPort)"), ("NewProtocol", transport.upnpName)])
    }

    public static func getGenericPortMappingEntry(_ service: UPnPServiceType, index: Int) -> SOAPRequest {
        SOAPRequest(serviceType: service.rawValue, action: "GetGenericPortMappingEntry", arguments: [("NewPortMappingIndex", "\(index)")])
    }
}
