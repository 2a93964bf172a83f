import ArgumentParser
import Libp2pWire

/// Multiaddr flags (`probe --libp2p`, `classify --autonat`): each must name a TCP endpoint.
enum Libp2pAddressOption {
    static func parse(_ texts: [String], flag: String) throws -> [Multiaddr] {
        try texts.map { text in
            do {
                let address = try Multiaddr(parsing: text)
                guard address.tcpAddress != nil else { throw ValidationError("\(flag) '\(text)' must start /ip4/ADDRESS/tcp/PORT or /ip6/ADDRESS/tcp/PORT") }
                return address
            } catch let error as Libp2pDecodeError {
                throw ValidationError("\(flag): \(error)")
            }
        }
    }
}
