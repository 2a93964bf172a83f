import FuzzSupport
import NATWire

/// The UPnP codecs on the same input: what a gateway or any host on the LAN can send us (SSDP
/// answers, HTTP responses, XML descriptions and SOAP envelopes). None may trap; what parses
/// must keep its bounds.
enum UPnPChecks {
    static func run(_ bytes: [UInt8]) {
        if let answer = try? SSDPResponse(parsing: bytes) {
            fuzzRequire(HTTPURL(answer.location.description) == answer.location, "SSDP LOCATION \(answer.location) does not read back")
        }
        for closed in [false, true] {
            if let response = try? HTTPResponse.parse(bytes, connectionClosed: closed) {
                fuzzRequire(response.body.count <= HTTPResponse.maximumSize, "HTTP body over the cap")
            }
        }
        let location = HTTPURL(host: "192.0.2.1", port: 5000, path: "/rootDesc.xml")
        _ = try? XMLReader.parse(bytes)
        _ = try? UPnPDeviceDescription(parsing: bytes, location: location)
        _ = try? SOAPResponse(parsing: bytes, action: "GetExternalIPAddress")
        let text = String(decoding: bytes, as: UTF8.self)
        if let url = HTTPURL(text) {
            fuzzRequire(HTTPURL(url.description) == url, "HTTPURL '\(url)' does not read back")
            _ = url.resolving(text)
        }
        _ = location.resolving(text)
    }
}
