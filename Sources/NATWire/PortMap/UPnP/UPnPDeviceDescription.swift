/// The WAN connection services natctl can drive, most capable first.
public enum UPnPServiceType: String, Sendable, CaseIterable, Comparable {
    /// IGD:2's WANIPConnection: adds AddAnyPortMapping (the gateway picks a free port).
    case wanIPConnection2 = "urn:schemas-upnp-org:service:WANIPConnection:2"
    case wanIPConnection1 = "urn:schemas-upnp-org:service:WANIPConnection:1"
    case wanPPPConnection1 = "urn:schemas-upnp-org:service:WANPPPConnection:1"

    /// Whether AddAnyPortMapping exists (IGD:2 only).
    public var hasAddAnyPortMapping: Bool { self == .wanIPConnection2 }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
    }
}

/// One WAN connection service: where to POST its SOAP actions.
public struct UPnPService: Sendable, Equatable {
    public var type: UPnPServiceType
    public var controlURL: HTTPURL

    public init(type: UPnPServiceType, controlURL: HTTPURL) {
        self.type = type
        self.controlURL = controlURL
    }
}

/// What natctl takes from an IGD's device description (UDA 1.1 §2.3): its names for the
/// report and its WAN connection services, found anywhere in the device tree (an IGD nests
/// them as InternetGatewayDevice → WANDevice → WANConnectionDevice).
public struct UPnPDeviceDescription: Sendable, Equatable {
    public var friendlyName: String?
    public var manufacturer: String?
    public var modelName: String?
    /// Usable services, preferred first (WANIPConnection:2, :1, then WANPPPConnection:1).
    public var services: [UPnPService]

    static let place = "device description"

    /// The service natctl drives.
    public var preferredService: UPnPService? { services.first }

    /// Parses the description fetched from `location`; relative control URLs resolve against
    /// URLBase when present (UDA 1.0) and otherwise against `location` (UDA 1.1).
    public init(parsing bytes: [UInt8], location: HTTPURL) throws(UPnPDecodeError) {
        let root = try XMLReader.parse(bytes)
        guard root.name == "root" else { throw UPnPDecodeError(Self.place, "root element is <\(root.qualifiedName)>, not <root>") }
        guard let device = root.child("device") else { throw UPnPDecodeError(Self.place, "no <device> in <root>") }
        var base = location
        if let urlBase = root.child("URLBase")?.value, !urlBase.isEmpty {
            guard let parsed = HTTPURL(urlBase) else { throw UPnPDecodeError(Self.place, "URLBase \(urlBase.quotedForError) is not an http:// URL") }
            base = parsed
        }
        friendlyName = device.child("friendlyName")?.value
        manufacturer = device.child("manufacturer")?.value
        modelName = device.child("modelName")?.value
        var found: [UPnPService] = []
        Self.collectServices(in: device, base: base, depth: 0, into: &found)
        services = found.enumerated().sorted { ($0.element.type, $0.offset) < ($1.element.type, $1.offset) }.map(\.element)
    }

    private static func collectServices(in device: XMLElement, base: HTTPURL, depth: Int, into found: inout [UPnPService]) {
        guard depth < XMLReader.maximumDepth else { return }
        for service in device.child("serviceList")?.children(named: "service") ?? [] {
            guard let typeText = service.child("serviceType")?.value, let type = UPnPServiceType(rawValue: typeText),
                let control = service.child("controlURL")?.value, let url = base.resolving(control)
            else { continue }
            found.append(UPnPService(type: type, controlURL: url))
        }
        for child in device.child("deviceList")?.children(named: "device") ?? [] {
            collectServices(in: child, base: base, depth: depth + 1, into: &found)
        }
    }
}
