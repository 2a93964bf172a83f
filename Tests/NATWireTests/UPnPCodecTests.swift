import NATWire
import Testing

/// The pure UPnP codecs: SSDP, HTTP, XML, device description, SOAP.
@Suite struct UPnPCodecTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    // MARK: SSDP

    @Test func searchRequestHasTheRequiredHeaders() {
        let text = String(decoding: SSDP.searchRequest(searchTarget: SSDP.gatewaySearchTargets[0]), as: UTF8.self)
        #expect(text.hasPrefix("M-SEARCH * HTTP/1.1\r\n"))
        #expect(text.contains("\r\nHOST: 239.255.255.250:1900\r\n"))
        #expect(text.contains("\r\nMAN: \"ssdp:discover\"\r\n"))
        #expect(text.contains("\r\nMX: 1\r\n"))
        #expect(text.contains("\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n"))
        #expect(text.hasSuffix("\r\n\r\n"))
    }

    @Test func ssdpAnswerParsesWithAnyHeaderCase() throws {
        let datagram = "HTTP/1.1 200 OK\r\nCache-Control: max-age=120\r\nlocation: http://192.168.1.1:5000/rootDesc.xml\r\n"
            + "Server: Linux/5.10 UPnP/1.1 MiniUPnPd/2.3.7\r\nEXT:\r\nst: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n"
            + "USN: uuid:abc::urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n\r\n"
        let answer = try SSDPResponse(parsing: Self.bytes(datagram))
        #expect(answer.location == HTTPURL(host: "192.168.1.1", port: 5000, path: "/rootDesc.xml"))
        #expect(answer.server == "Linux/5.10 UPnP/1.1 MiniUPnPd/2.3.7")
        #expect(answer.searchTarget == "urn:schemas-upnp-org:device:InternetGatewayDevice:1")
        #expect(answer.uniqueServiceName?.hasPrefix("uuid:abc") == true)
    }

    @Test(arguments: [
        "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nLOCATION: http://1.2.3.4/\r\n\r\n",
        "HTTP/1.1 404 Not Found\r\nLOCATION: http://1.2.3.4/\r\n\r\n",
        "HTTP/1.1 200 OK\r\nST: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nLOCATION: ftp://1.2.3.4/\r\n\r\n",
        "",
    ])
    func ssdpNonAnswersAreErrors(datagram: String) {
        #expect(throws: UPnPDecodeError.self) { try SSDPResponse(parsing: Self.bytes(datagram)) }
    }

    // MARK: HTTP

    @Test func contentLengthBodyWaitsForAllBytes() throws {
        let full = Self.bytes("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 5\r\n\r\nhello")
        #expect(try HTTPResponse.parse(Array(full.dropLast(2)), connectionClosed: false) == nil)
        let response = try #require(try HTTPResponse.parse(full, connectionClosed: false))
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "text/xml")
        #expect(response.body == Self.bytes("hello"))
    }

    @Test func chunkedBodyIsReassembled() throws {
        let message = Self.bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n")
        #expect(try HTTPResponse.parse(Array(message.dropLast(2)), connectionClosed: false) == nil)
        let response = try #require(try HTTPResponse.parse(message, connectionClosed: false))
        #expect(String(decoding: response.body, as: UTF8.self) == "Wikipedia in\r\n\r\nchunks.")
    }

    @Test func bodyWithoutLengthRunsToTheClose() throws {
        let message = Self.bytes("HTTP/1.0 200 OK\nServer: old\n\n<root/>")
        #expect(try HTTPResponse.parse(message, connectionClosed: false) == nil)
        #expect(try HTTPResponse.parse(message, connectionClosed: true)?.body == Self.bytes("<root/>"))
    }

    @Test(arguments: [
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        "HTTP/1.1 200 OK\r\nContent-Le",
        "",
    ])
    func truncatedAtCloseIsAnError(message: String) {
        #expect(throws: UPnPDecodeError.self) { try HTTPResponse.parse(Self.bytes(message), connectionClosed: true) }
    }

    @Test(arguments: [
        "SSH-2.0-OpenSSH_9.6\r\n\r\n",
        "HTTP/1.1 abc OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcdef\r\n0\r\n\r\n",
    ])
    func garbageIsAnError(message: String) {
        #expect(throws: UPnPDecodeError.self) { try HTTPResponse.parse(Self.bytes(message), connectionClosed: false) }
    }

    @Test func oversizedResponsesAreRefused() {
        let huge = Self.bytes("HTTP/1.1 200 OK\r\n\r\n") + [UInt8](repeating: 0x41, count: HTTPResponse.maximumSize)
        #expect(throws: UPnPDecodeError.self) { try HTTPResponse.parse(huge, connectionClosed: true) }
        let endlessHead = Self.bytes("HTTP/1.1 200 OK\r\nX: ") + [UInt8](repeating: 0x41, count: 20_000)
        #expect(throws: UPnPDecodeError.self) { try HTTPResponse.parse(endlessHead, connectionClosed: false) }
    }

    @Test func soapPostCarriesTheActionHeaders() {
        let url = HTTPURL(host: "192.168.1.1", port: 5000, path: "/ctl/IPConn")
        let text = String(decoding: HTTPRequest.soapPost(url, .getExternalIPAddress(.wanIPConnection1)), as: UTF8.self)
        #expect(text.hasPrefix("POST /ctl/IPConn HTTP/1.1\r\nHost: 192.168.1.1:5000\r\n"))
        #expect(text.contains("\r\nContent-Type: text/xml; charset=\"utf-8\"\r\n"))
        #expect(text.contains("\r\nSOAPAction: \"urn:schemas-upnp-org:service:WANIPConnection:1#GetExternalIPAddress\"\r\n"))
        #expect(text.contains("\r\nConnection: close\r\n"))
        let envelope = SOAPRequest.getExternalIPAddress(.wanIPConnection1).envelope
        #expect(text.contains("\r\nContent-Length: \(envelope.utf8.count)\r\n"))
        #expect(text.hasSuffix("\r\n\r\n" + envelope))
        let get = String(decoding: HTTPRequest.get(HTTPURL(host: "10.0.0.1", path: "/rootDesc.xml")), as: UTF8.self)
        #expect(get.hasPrefix("GET /rootDesc.xml HTTP/1.1\r\nHost: 10.0.0.1\r\n"))
    }

    // MARK: URLs

    @Test func urlsParseAndResolve() throws {
        let location = try #require(HTTPURL("http://192.168.1.1:5000/desc/rootDesc.xml"))
        #expect(location.host == "192.168.1.1" && location.port == 5000 && location.path == "/desc/rootDesc.xml")
        #expect(HTTPURL("HTTP://router.lan")?.port == 80)
        #expect(HTTPURL("HTTP://router.lan")?.path == "/")
        // Whitespace before a fragment is dropped, so what prints reads back (a FuzzParsers find).
        let spaced = try #require(HTTPURL("http://192.0.2.1/a: #frag"))
        #expect(spaced.path == "/a:" && HTTPURL(spaced.description) == spaced)
        #expect(location.resolving("/ctl/IPConn")?.description == "http://192.168.1.1:5000/ctl/IPConn")
        #expect(location.resolving("ctl/IPConn")?.description == "http://192.168.1.1:5000/desc/ctl/IPConn")
        #expect(location.resolving("http://10.0.0.1:49152/upnp/control")?.description == "http://10.0.0.1:49152/upnp/control")
        for bad in ["https://1.2.3.4/", "http://", "http://1.2.3.4:99999/", "http://1.2.3.4:0/", "http://a b/", "1.2.3.4/x", "http://[::1/"] {
            #expect(HTTPURL(bad) == nil, "\(bad) should not parse")
        }
    }

    // MARK: XML

    @Test func xmlReaderDecodesEntitiesCDATAAndStripsPrefixes() throws {
        let document = """
            <?xml version="1.0" encoding="utf-8"?>
            <!-- a comment <with> markup -->
            <a:outer xmlns:a="urn:x" attr='1 &lt; 2'>
              <inner>&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&nbsp;</inner>
              <data><![CDATA[<not> &amp; markup]]></data>
              <empty/>
            </a:outer>
            """
        let root = try XMLReader.parse(Self.bytes(document))
        #expect(root.name == "outer" && root.qualifiedName == "a:outer")
        #expect(root.attributes["attr"] == "1 < 2")
        #expect(root.child("inner")?.value == "<>&\"'AB&nbsp;")
        #expect(root.child("data")?.value == "<not> &amp; markup")
        #expect(root.child("empty")?.children.isEmpty == true)
        #expect(root.children.count == 3)
    }

    @Test(arguments: [
        "", "just text", "<a>", "<a></b>", "<a><b></a></b>", "<a/><b/>", "<a x=1/>", "<a><!-- open", "<a><![CDATA[open</a>",
        "</a>", "<>", "<a", "<?xml version", "<a>text</a>trailing",
    ])
    func malformedXMLIsAnError(document: String) {
        #expect(throws: UPnPDecodeError.self) { try XMLReader.parse(Self.bytes(document)) }
    }

    @Test func absurdNestingIsRefused() {
        let deep = String(repeating: "<a>", count: 10_000) + String(repeating: "</a>", count: 10_000)
        #expect(throws: UPnPDecodeError.self) { try XMLReader.parse(Self.bytes(deep)) }
        let fine = String(repeating: "<a>", count: 20) + String(repeating: "</a>", count: 20)
        #expect(throws: Never.self) { try XMLReader.parse(Self.bytes(fine)) }
    }

    @Test func escapeRoundTripsThroughTheReader() throws {
        let value = "natctl <test> & \"quotes\" 'too' ünïcode"
        let root = try XMLReader.parse(Self.bytes("<v>\(XMLReader.escape(value))</v>"))
        #expect(root.text == value)
    }

    // MARK: Device description

    @Test func nestedIGD1DescriptionYieldsTheWANIPConnection() throws {
        let location = try #require(HTTPURL("http://192.168.1.1:5000/rootDesc.xml"))
        let description = try UPnPDeviceDescription(parsing: Self.bytes(UPnPFixtures.igd1Description), location: location)
        #expect(description.friendlyName == "Lab router & gateway")
        #expect(description.modelName == "miniupnpd-like IGD")
        #expect(description.services == [UPnPService(type: .wanIPConnection1, controlURL: HTTPURL(host: "192.168.1.1", port: 5000, path: "/ctl/IPConn"))])
    }

    @Test func urlBaseAndServicePreference() throws {
        let document = """
            <root xmlns="urn:schemas-upnp-org:device-1-0"><URLBase>http://10.0.0.1:49000/</URLBase><device>
            <serviceList><service><serviceType>urn:schemas-upnp-org:service:WANPPPConnection:1</serviceType><controlURL>ppp</controlURL></service></serviceList>
            <deviceList><device><deviceList><device><serviceList>
            <service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType><controlURL>/ip1</controlURL></service>
            <service><serviceType>urn:schemas-upnp-org:service:WANIPConnection:2</serviceType><controlURL>/ip2</controlURL></service>
            </serviceList></device></deviceList></device></deviceList></device></root>
            """
        let location = try #require(HTTPURL("http://10.0.0.1:5000/desc.xml"))
        let description = try UPnPDeviceDescription(parsing: Self.bytes(document), location: location)
        #expect(description.services.map(\.type) == [.wanIPConnection2, .wanIPConnection1, .wanPPPConnection1])
        #expect(description.preferredService?.controlURL.description == "http://10.0.0.1:49000/ip2")
        #expect(description.services.last?.controlURL.description == "http://10.0.0.1:49000/ppp")
    }

    @Test func descriptionWithoutWANServicesHasNoPreferredService() throws {
        let document = "<root><device><friendlyName>printer</friendlyName></device></root>"
        let description = try UPnPDeviceDescription(parsing: Self.bytes(document), location: HTTPURL(host: "10.0.0.9"))
        #expect(description.preferredService == nil)
        #expect(throws: UPnPDecodeError.self) { try UPnPDeviceDescription(parsing: Self.bytes("<html></html>"), location: HTTPURL(host: "10.0.0.9")) }
    }

    // MARK: SOAP

    @Test func addPortMappingEnvelopeHasItsArgumentsInOrderAndEscaped() throws {
        let request = SOAPRequest.addPortMapping(
            .wanIPConnection1, externalPort: 40000, transport: .udp, internalPort: 41641, internalClient: IPAddress("192.168.1.20")!,
            description: "natctl <wg> & co", leaseSeconds: 3600)
        #expect(request.soapActionHeader == "\"urn:schemas-upnp-org:service:WANIPConnection:1#AddPortMapping\"")
        let envelope = try XMLReader.parse(Self.bytes(request.envelope))
        let action = try #require(envelope.child("Body")?.child("AddPortMapping"))
        #expect(action.qualifiedName == "u:AddPortMapping")
        #expect(action.attributes["xmlns:u"] == "urn:schemas-upnp-org:service:WANIPConnection:1")
        #expect(action.children.map(\.name) == [
            "NewRemoteHost", "NewExternalPort", "NewProtocol", "NewInternalPort", "NewInternalClient", "NewEnabled",
            "NewPortMappingDescription", "NewLeaseDuration",
        ])
        #expect(action.children.map(\.text) == ["", "40000", "UDP", "41641", "192.168.1.20", "1", "natctl <wg> & co", "3600"])
        #expect(request.envelope.contains("natctl &lt;wg&gt; &amp; co"))
        let any = SOAPRequest.addPortMapping(
            .wanIPConnection2, anyPort: true, externalPort: 1, transport: .tcp, internalPort: 2, internalClient: IPAddress("10.0.0.2")!,
            description: "", leaseSeconds: 0)
        #expect(any.action == "AddAnyPortMapping")
        #expect(SOAPRequest.deletePortMapping(.wanIPConnection1, externalPort: 5, transport: .tcp).arguments.map(\.value) == ["", "5", "TCP"])
        #expect(SOAPRequest.getGenericPortMappingEntry(.wanPPPConnection1, index: 3).arguments.map(\.value) == ["3"])
    }

    @Test func responseArgumentsAreRead() throws {
        let response = try SOAPResponse(parsing: Self.bytes(UPnPFixtures.getExternalIPAddressResponse), action: "GetExternalIPAddress")
        #expect(response == .success(["NewExternalIPAddress": "203.0.113.7"]))
    }

    @Test(arguments: [(718, "ConflictInMappingEntry"), (713, "SpecifiedArrayIndexInvalid"), (725, "OnlyPermanentLeasesSupported"), (606, "Action not authorized")])
    func faultsCarryTheirCode(code: Int, description: String) throws {
        let response = try SOAPResponse(parsing: Self.bytes(UPnPFixtures.fault(code: code, description: description)), action: "AddPortMapping")
        guard case .fault(let fault) = response else {
            Issue.record("expected a fault, got \(response)")
            return
        }
        #expect(fault.code == code)
        #expect(fault.errorDescription == description)
        #expect(fault.faultString == "UPnPError")
        #expect(fault.label == "\(code) \(UPnPErrorCode.name(of: code) ?? "?")")
    }

    @Test func wrongActionResponseIsAnError() {
        #expect(throws: UPnPDecodeError.self) {
            try SOAPResponse(parsing: Self.bytes(UPnPFixtures.getExternalIPAddressResponse), action: "AddPortMapping")
        }
        #expect(throws: UPnPDecodeError.self) { try SOAPResponse(parsing: Self.bytes("<html><body>hi</body></html>"), action: "X") }
    }

    @Test func errorCodeTableNamesTheCommonCodes() {
        #expect(UPnPErrorCode.name(of: 718) == "ConflictInMappingEntry")
        #expect(UPnPErrorCode.name(of: 714) == "NoSuchEntryInArray")
        #expect(UPnPErrorCode.name(of: 501) == "ActionFailed")
        #expect(UPnPErrorCode.name(of: 606) == "ActionNotAuthorized")
        #expect(UPnPErrorCode.name(of: 999) == nil)
    }
}
