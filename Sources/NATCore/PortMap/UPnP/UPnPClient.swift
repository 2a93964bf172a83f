import NATWire
import NIOCore
import NIOPosix

/// Finds the gateway's UPnP Internet Gateway Device: SSDP search, then the device
/// description at the answer's LOCATION, then the WAN connection service to drive.
public enum UPnPClient {
    /// Discovers the IGD behind `gateway` within `limit`.
    ///
    /// - Parameters:
    ///   - ssdpPort: the port M-SEARCH goes to on the gateway (1900; tests use a fake's port).
    ///   - multicastDestinations: where the multicast M-SEARCH goes (the SSDP group; tests pass none).
    /// - Throws: `.noAnswer` when no IGD answers, `.malformedAnswer` for a description that does
    ///   not parse, `.unsupported` when it has no WANIPConnection or WANPPPConnection service.
    public static func discover(
        gateway: DefaultGateway, limit: Duration, ssdpPort: UInt16 = SSDP.port, multicastDestinations: [TransportAddress] = [SSDP.multicastGroup],
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(PortMapError) -> UPnPGateway {
        let deadline = ContinuousClock.now + limit
        let destinations = [TransportAddress(ip: gateway.address, port: ssdpPort)] + multicastDestinations
        let answer = try await SSDPSearch.firstAnswer(gateway: gateway.address, destinations: destinations, deadline: deadline, group: group)
        let location = answer.response.location
        let http = try await UPnPHTTPClient.exchange(HTTPRequest.get(location), with: location, deadline: deadline, group: group)
        guard http.status == 200 else {
            throw PortMapError(.refused, "the device description at \(location) answered HTTP \(http.status) \(http.reason)")
        }
        let description: UPnPDeviceDescription
        do { description = try UPnPDeviceDescription(parsing: http.body, location: location) } catch {
            throw PortMapError(.malformedAnswer, "the device description at \(location) does not parse: \(error)")
        }
        guard let service = description.preferredService else {
            throw PortMapError(.unsupported, "the device at \(location) has no WANIPConnection or WANPPPConnection service: it cannot map ports")
        }
        return UPnPGateway(
            location: location, server: answer.response.server, friendlyName: description.friendlyName, modelName: description.modelName,
            service: service, gatewayAddress: answer.source, localAddress: gateway.localAddress)
    }
}
