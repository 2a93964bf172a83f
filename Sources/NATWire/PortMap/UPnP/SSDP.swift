/// SSDP search (UDA 1.1 §1.3): a multicast or unicast M-SEARCH, answered by unicast
/// HTTP-over-UDP responses naming the device description's LOCATION.
public enum SSDP {
    /// The SSDP multicast group and port (UDA 1.1 §1.1.2).
    public static let multicastGroup = TransportAddress(ip: IPAddress(bytes: [239, 255, 255, 250])!, port: 1900)
    public static let port: UInt16 = 1900

    /// Search targets for an Internet Gateway Device, IGD:1 and IGD:2 (IGD:2 devices are
    /// meant to answer IGD:1 searches too, but not all do).
    public static let gatewaySearchTargets = [
        "urn:schemas-upnp-org:device:InternetGatewayDevice:1",
        "urn:schemas-upnp-org:device:InternetGatewayDevice:2",
    ]

    /// The M-SEARCH request for `searchTarget`; `maximumWait` is MX, the seconds a device may
    /// delay its answer (1 to 5).
    public static func searchRequest(searchTarget: String, maximumWait: Int = 1) -> [UInt8] {
        let text = "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
            + "MX: \(min(max(maximumWait, 1), 5))\r\nST: \(searchTarget)\r\nUSER-AGENT: natctl UPnP/1.1\r\n\r\n"
        return Array(text.utf8)
    }
}

/// A device's answer to an M-SEARCH.
public struct SSDPResponse: Sendable, Equatable {
    /// Where the device description is.
    public var location: HTTPURL
    /// ST: the search target the device matched.
    public var searchTarget: String?
    /// USN: the device's unique service name.
    public var uniqueServiceName: String?
    /// SERVER: "OS/version UPnP/1.1 product/version", for the report.
    public var server: String?

    public static let maximumSize = 8 * 1024
    static let place = "SSDP response"

    public init(location: HTTPURL, searchTarget: String? = nil, uniqueServiceName: String? = nil, server: String? = nil) {
        self.location = location
        self.searchTarget = searchTarget
        self.uniqueServiceName = uniqueServiceName
        self.server = server
    }

    /// Parses one datagram: an `HTTP/1.1 200` status line and headers with a usable LOCATION.
    /// NOTIFY announcements and M-SEARCHes from other hosts are errors (not answers).
    public init(parsing datagram: [UInt8]) throws(UPnPDecodeError) {
        guard datagram.count <= Self.maximumSize else { throw UPnPDecodeError(Self.place, "larger than \(Self.maximumSize) bytes") }
        let headEnd = HTTPResponse.endOfHead(in: datagram)?.head ?? datagram.count
        let (status, _, headers) = try HTTPHeaders.parseResponseHead(datagram[..<headEnd], place: Self.place)
        guard status == 200 else { throw UPnPDecodeError(Self.place, "status \(status), not 200") }
        guard let locationText = headers["LOCATION"] else { throw UPnPDecodeError(Self.place, "no LOCATION header") }
        guard let location = HTTPURL(locationText) else {
            throw UPnPDecodeError(Self.place, "LOCATION \(locationText.quotedForError) is not an http:// URL")
        }
        self.init(location: location, searchTarget: headers["ST"], uniqueServiceName: headers["USN"], server: headers["SERVER"])
    }
}
