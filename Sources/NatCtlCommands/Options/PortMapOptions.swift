import ArgumentParser
import Foundation
import NATCore
import NATWire

extension PortMapSurvey.Mode: ExpressibleByArgument {}

/// `--portmap` and `--gateway`: whether and where probe asks for port mapping.
struct PortMapOptions: ParsableArguments {
    @Option(
        name: .customLong("portmap"),
        help: ArgumentHelp(
            "Ask the gateway about UPnP, NAT-PMP and PCP: ask (creates nothing), map (also a 60 s test mapping, deleted at once), off. Default: NATCTL_PORTMAP, else ask.",
            valueName: "mode"))
    var explicitMode: PortMapSurvey.Mode?

    @Option(name: .long, help: ArgumentHelp("The gateway to ask (IPv4); default: the default route's.", valueName: "ip"))
    var gateway: String?

    func validate() throws {
        if let gateway, IPAddress(gateway)?.family != .ipv4 { throw ValidationError("--gateway '\(gateway)' must be an IPv4 address") }
        if explicitMode == nil, let text = ProcessInfo.processInfo.environment["NATCTL_PORTMAP"], !text.isEmpty, PortMapSurvey.Mode(rawValue: text) == nil {
            throw ValidationError("NATCTL_PORTMAP='\(text)' must be ask, map or off")
        }
    }

    /// The flag, else NATCTL_PORTMAP (the test suite sets it to off so the machine's own
    /// gateway is never asked), else ask.
    var mode: PortMapSurvey.Mode {
        explicitMode ?? ProcessInfo.processInfo.environment["NATCTL_PORTMAP"].flatMap(PortMapSurvey.Mode.init(rawValue:)) ?? .ask
    }

    var gatewayAddress: IPAddress? { gateway.flatMap(IPAddress.init) }
}
