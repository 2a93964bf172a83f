import Foundation
import NATCore
import NATLab
import Testing

/// Real wireguard-go interfaces on lab sites' hosts, each knowing the others as peers (keys
/// and tunnel addresses, no endpoints): what a WireGuard mesh looks like before anyone has
/// found a path. Interface names carry the lab's name, since wireguard-go's UAPI sockets live
/// in one directory shared by all namespaces.
final class WireGuardSites: @unchecked Sendable {
    struct Site {
        var name: String
        var interface: String
        var publicKey: String
        var tunnelIP: String
        var process: LabProcess
    }

    static let port: UInt16 = 51820
    let state: LabState
    private(set) var sites: [String: Site] = [:]
    private let keyDirectory: URL

    /// Starts wireguard-go on each site's host (10.77.0.1, .2, ... in site order) and adds
    /// every other site as a peer.
    init(_ state: LabState, sites names: [String], peersKnown: Bool = true) throws {
        self.state = state
        keyDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("natctl-wg-\(getpid())-\(state.name)")
        try FileManager.default.createDirectory(at: keyDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for (index, name) in names.enumerated() {
            let interface = "wg\(state.name.prefix(10))\(name)"
            try? FileManager.default.removeItem(atPath: "/var/run/wireguard/\(interface).sock")
            let namespace = try state.site(name).hostNamespace
            let keyFile = keyDirectory.appendingPathComponent("\(name).key").path
            let privateKey = try Self.tool(["wg", "genkey"]).trimmingCharacters(in: .whitespacesAndNewlines)
            _ = FileManager.default.createFile(atPath: keyFile, contents: Data((privateKey + "\n").utf8), attributes: [.posixPermissions: 0o600])
            let publicKey = try Self.tool(["sh", "-c", "wg pubkey < \(keyFile)"]).trimmingCharacters(in: .whitespacesAndNewlines)
            let process = try LabProcess(namespace: namespace, ["env", "LOG_LEVEL=error", "wireguard-go", "-f", interface], captureStderr: false)
            sites[name] = Site(name: name, interface: interface, publicKey: publicKey, tunnelIP: "10.77.0.\(index + 1)", process: process)
            try Self.awaitSocket(interface)
            try exec(name, ["wg", "set", interface, "private-key", keyFile, "listen-port", "\(Self.port)"])
            try exec(name, ["ip", "addr", "add", "10.77.0.\(index + 1)/24", "dev", interface])
            try exec(name, ["ip", "link", "set", interface, "up"])
        }
        if peersKnown {
            for name in names {
                for other in names where other != name { try addPeer(other, to: name) }
            }
        }
    }

    subscript(name: String) -> Site { sites[name]! }

    /// Adds `peer` (its key and tunnel address, no endpoint) to `site`'s interface.
    func addPeer(_ peer: String, to site: String) throws {
        try exec(site, ["wg", "set", self[site].interface, "peer", self[peer].publicKey, "allowed-ips", "\(self[peer].tunnelIP)/32"])
    }

    /// `wg show IFACE dump` on a site: the peers' lines, split into fields.
    func dump(_ site: String) throws -> [[String]] {
        let output = try LabFixture.exec(state, site: site, ["wg", "show", self[site].interface, "dump"])
        return output.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: "\t").map(String.init) }
    }

    /// The listen port the interface reports now.
    func listenPort(_ site: String) throws -> UInt16? {
        let output = try LabFixture.exec(state, site: site, ["wg", "show", self[site].interface, "listen-port"])
        return UInt16(output.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Whether wireguard-go still runs on `site` (it must not restart during a punch).
    func isRunning(_ site: String) -> Bool { FileManager.default.fileExists(atPath: "/var/run/wireguard/\(self[site].interface).sock") && self[site].process.isRunning }

    /// Stops every wireguard-go and removes the keys.
    func stop() {
        for site in sites.values { site.process.terminate() }
        try? FileManager.default.removeItem(at: keyDirectory)
    }

    @discardableResult
    func exec(_ site: String, _ arguments: [String]) throws -> String {
        let output = try LabFixture.exec(state, site: site, arguments)
        guard output.status == 0 else { throw LabProcessFailure(message: "\(arguments.joined(separator: " ")) on \(site) exited \(output.status)") }
        return output.stdout
    }

    /// Runs on the host (key generation needs no namespace).
    private static func tool(_ arguments: [String]) throws -> String { try ToolProcess.run(arguments).stdout }

    /// wireguard-go creates its UAPI socket once the interface exists; at most 5 s.
    private static func awaitSocket(_ interface: String) throws {
        let path = "/var/run/wireguard/\(interface).sock"
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: path) { usleep(10_000) }
        guard FileManager.default.fileExists(atPath: path) else { throw LabProcessFailure(message: "wireguard-go made no \(path)") }
    }
}
