import ArgumentParser
import Libp2pWire
import NATCore

/// Multiaddr flags (`probe --libp2p`, `classify --autonat`): each must name a TCP endpoint, by
/// IP address or by a `/dns`, `/dns4` or `/dns6` name resolved when it is dialed.
enum Libp2pAddressOption {
    static func parse(_ texts: [String], flag: String) throws -> [Multiaddr] {
        try texts.map { text in
            do {
                let address = try Multiaddr(parsing: text)
                guard address.tcpAddress != nil || address.isDNSOverTCP else {
                    throw ValidationError("\(flag) '\(text)' must start /ip4/ADDRESS/tcp/PORT, /ip6/ADDRESS/tcp/PORT or /dns4/NAME/tcp/PORT")
                }
                return address
            } catch let error as Libp2pDecodeError {
                throw ValidationError("\(flag): \(error)")
            }
        }
    }
}
