import NATWire
import Testing

/// The UPnP codecs against what a real miniupnpd sent (`MiniupnpdRecordings`), so a reading of
/// the specs that real gateways do not share shows up here, not in the field.
@Suite struct MiniupnpdRecordingTests {
    static let location = HTTPURL(host: "10.0.1.1", port: 5000, path: "/rootDesc.xml")

    static func response(_ bytes: [UInt8]) throws -> HTTPResponse {
        try #require(try HTTPResponse.parse(bytes, connectionClosed: true))
    }

    @Test func theDescriptionNamesTheIGD2ServiceAndItsControlURL() throws {
        let http = try Self.response(MiniupnpdRecordings.rootDescription)
        #expect(http.status == 200)
        #expect(http.body.count == 3089, "Content-Length as sent")
        let description = try UPnPDeviceDescription(parsing: http.body, location: Self.location)
        #expect(description.friendlyName == "Debian router")
        let service = try #require(description.preferredService)
        #expect(service.type == .wanIPConnection2)
        #expect(service.controlURL == HTTPURL(host: "10.0.1.1", port: 5000, path: "/ctl/IPConn"))
    }

    @Test func theExternalAddressAnswerCarriesTheAddress() throws {
        let http = try Self.response(MiniupnpdRecordings.externalAddressAnswer)
        #expect(try SOAPResponse(parsing: http.body, action: "GetExternalIPAddress") == .success(["NewExternalIPAddress": "203.0.113.11"]))
    }

    @Test func theEndOfTheMappingTableIsFault713() throws {
        let http = try Self.response(MiniupnpdRecordings.arrayIndexFault)
        #expect(http.status == 500)
        guard case .fault(let fault) = try SOAPResponse(parsing: http.body, action: "GetGenericPortMappingEntry") else {
            Issue.record("a fault was read as an answer")
            return
        }
        #expect(fault.code == 713)
        #expect(fault.errorDescription == "SpecifiedArrayIndexInvalid")
    }

    @Test func aCutRecordingIsAnErrorNotAnAnswer() {
        let cut = Array(MiniupnpdRecordings.rootDescription.dropLast(100))
        #expect(throws: UPnPDecodeError.self) { _ = try HTTPResponse.parse(cut, connectionClosed: true) }
    }
}
