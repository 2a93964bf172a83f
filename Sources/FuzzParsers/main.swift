import FuzzSupport
import Libp2pWire
import NATCore
import NATLab
import NATWire

/// libFuzzer harness for the value parsers behind natctl's flags: `--server HOST:PORT` and
/// every `ip:port` (ServerSpec, TransportAddress), `--denied-peer-ip` / `--allowed-peer-ip`
/// ranges (IPPrefix), punch codes, and `lab up --site` / `--forward` specs. The input is the
/// flag's value as UTF-8, as a user could type it (invalid bytes become U+FFFD, as they would
/// arriving through ArgumentParser). The same bytes also go through the UPnP codecs
/// (`UPnPChecks`), the NAT-PMP and PCP answer decoders (`GatewayAnswerChecks`), which read
/// what gateways send, the WireGuard readers (`WireGuardChecks`) and the libp2p codecs
/// (`Libp2pChecks`).
FuzzDriver.main { data in
    UPnPChecks.run(Array(data))
    GatewayAnswerChecks.run(Array(data))
    WireGuardChecks.run(Array(data))
    Libp2pChecks.run(Array(data))
    let text = String(decoding: data, as: UTF8.self)
    ParserChecks.addresses(text)
    ParserChecks.server(text)
    ParserChecks.punchCode(text)
    ParserChecks.labSite(text)
}

enum ParserChecks {
    /// Literal addresses, endpoints and ranges: what parses prints as text that parses back to it.
    static func addresses(_ text: String) {
        if let ip = IPAddress(text) {
            fuzzRequire(IPAddress(ip.description) == ip, "IPAddress '\(ip)' does not read back")
        }
        if let endpoint = TransportAddress(text) {
            fuzzRequire(TransportAddress(endpoint.description) == endpoint, "TransportAddress '\(endpoint)' does not read back")
        }
        if let prefix = IPPrefix(text) {
            fuzzRequire(IPPrefix(prefix.description) == prefix, "IPPrefix '\(prefix)' does not read back")
            fuzzRequire(prefix.contains(prefix.address), "IPPrefix '\(prefix)' does not contain its own address")
        }
    }

    /// `--server`: whatever is accepted has a port and prints as it will be dialled.
    static func server(_ text: String) {
        guard let spec = ServerSpec(parsing: text) else { return }
        fuzzRequire(spec.port != 0 && !spec.host.isEmpty, "ServerSpec accepted '\(text)' as \(spec)")
        _ = spec.description
    }

    /// `punch CODE`: an accepted code keeps its nameplate within PUNCH-NAMEPLATE's limit.
    static func punchCode(_ text: String) {
        guard let code = PunchCode(text) else { return }
        fuzzRequire(code.nameplate.utf8.count <= PunchNameplate.maximumBytes, "nameplate of '\(code)' is too long")
        _ = code.confirmation
    }

    /// `lab up --site NAME=BEHAVIOUR,OPTIONS` then `--forward NAME:PORT` with the same text.
    static func labSite(_ text: String) {
        do throws(LabError) {
            let site = try LabSpec.SiteSpec(parsing: text)
            var lab = LabSpec(sites: [site])
            try? lab.addForward(text)
            try? lab.addForward("\(site.name):\(text.utf8.count % 65_536)")
            try lab.validate()
        } catch {
            _ = error.description
        }
    }
}
