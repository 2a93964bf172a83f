import Foundation
import NATWire

#if canImport(Glibc)
import Glibc
#endif

/// A running WireGuard interface that natctl reads and changes while it runs: through
/// wireguard-go's UAPI socket (`/var/run/wireguard/NAME.sock`), or through the `wg` tool,
/// which also reaches kernel WireGuard over netlink.
public struct WireGuardInterface: Sendable {
    public enum Control: String, Sendable, CaseIterable {
        /// The UAPI socket when there is one, else `wg`.
        case auto
        case uapi
        case wgTool = "wg-tool"
    }

    public let name: String
    /// How natctl talks to it (never `.auto` once opened).
    public let control: Control

    static let socketDirectory = "/var/run/wireguard"
    var socketPath: String { "\(Self.socketDirectory)/\(name).sock" }

    /// Finds the interface and reads it once, so a wrong name or missing rights fail here.
    public static func open(_ name: String, control: Control = .auto) async throws(WireGuardError) -> (WireGuardInterface, WireGuardDevice) {
        guard !name.isEmpty, name.count < 16, !name.contains("/"), name != ".", name != ".." else { throw .noInterface(name) }
        let chosen: Control
        switch control {
        case .auto: chosen = FileManager.default.fileExists(atPath: "\(socketDirectory)/\(name).sock") ? .uapi : .wgTool
        default: chosen = control
        }
        let interface = WireGuardInterface(name: name, control: chosen)
        return (interface, try await interface.read())
    }

    /// Every WireGuard interface on the host: wireguard-go's (a UAPI socket each) and the
    /// kernel's (DEVTYPE=wireguard in sysfs).
    public static func allNames() -> Set<String> {
        let files = FileManager.default
        var names = Set(((try? files.contentsOfDirectory(atPath: socketDirectory)) ?? []).filter { $0.hasSuffix(".sock") }.map { String($0.dropLast(5)) })
        for name in (try? files.contentsOfDirectory(atPath: "/sys/class/net")) ?? [] {
            if let uevent = try? String(contentsOfFile: "/sys/class/net/\(name)/uevent", encoding: .utf8), uevent.contains("DEVTYPE=wireguard") {
                names.insert(name)
            }
        }
        return names
    }

    /// The interface's port and peers now.
    public func read() async throws(WireGuardError) -> WireGuardDevice {
        let control = control
        let name = name
        let path = socketPath
        return try await Blocking.run { () throws(WireGuardError) -> WireGuardDevice in
            switch control {
            case .uapi, .auto: return try WireGuardUAPI.parseGet(try Self.exchange(path: path, name: name, WireGuardUAPI.getRequest))
            case .wgTool: return try WireGuardTool.read(name)
            }
        }
    }

    /// Applies `changes` in one request.
    public func apply(_ changes: [WireGuardPeerChange]) async throws(WireGuardError) {
        let control = control
        let name = name
        let path = socketPath
        try await Blocking.run { () throws(WireGuardError) in
            switch control {
            case .uapi, .auto: try WireGuardUAPI.parseSetAnswer(try Self.exchange(path: path, name: name, WireGuardUAPI.setRequest(changes)))
            case .wgTool: for change in changes { try WireGuardTool.apply(name, change) }
            }
        }
    }

    /// One request and its answer (up to the blank line) over the UAPI socket; blocking, with
    /// a 3 s bound on each read so a stuck daemon cannot hang natctl.
    private static func exchange(path: String, name: String, _ request: String) throws(WireGuardError) -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .protocolError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else { throw .noInterface(name) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            switch errno {
            case EACCES, EPERM: throw .permission("connecting to \(path)")
            case ENOENT, ECONNREFUSED: throw .noInterface(name)
            default: throw .protocolError("connect \(path): \(String(cString: strerror(errno)))")
            }
        }
        var timeout = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw .protocolError("writing to \(path): \(String(cString: strerror(errno)))") }
            sent += n
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        // The answer ends with "errno=N\n\n"; it is small (a few hundred bytes per peer).
        while !(answer.count >= 2 && answer.suffix(2) == [10, 10]) {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else {
                if n < 0 { throw .protocolError("reading from \(path): \(String(cString: strerror(errno)))") }
                break
            }
            answer += buffer[..<n]
            guard answer.count < 4 << 20 else { throw .protocolError("an answer over 4 MiB") }
        }
        return String(decoding: answer, as: UTF8.self)
    }
}

/// The `wg` tool's side: `wg show NAME dump` to read, `wg set` to change.
public enum WireGuardTool {
    static func read(_ name: String) throws(WireGuardError) -> WireGuardDevice {
        let result = try run(["wg", "show", name, "dump"], name: name)
        return try parseDump(result)
    }

    static func apply(_ name: String, _ change: WireGuardPeerChange) throws(WireGuardError) {
        let peer = change.peer
        var arguments = ["wg", "set", name, "peer", peer.publicKey.description]
        if change.recreate { arguments += ["remove", "peer", peer.publicKey.description] }
        if let endpoint = peer.endpoint { arguments += ["endpoint", endpoint.description] }
        if let trigger = change.triggerKeepalive, !change.recreate {
            // A running peer: turn the keepalive off first, so turning it on sends one.
            _ = try run(["wg", "set", name, "peer", peer.publicKey.description, "persistent-keepalive", "0"], name: name)
            arguments += ["persistent-keepalive", "\(max(1, trigger))"]
        } else {
            arguments += ["persistent-keepalive", "\(change.triggerKeepalive.map { max(1, $0) } ?? peer.keepalive)"]
        }
        arguments += ["allowed-ips", peer.allowedIPs.joined(separator: ",")]
        // The preshared key goes through stdin, never the command line (`ps` shows that).
        if peer.presharedKey != nil { arguments += ["preshared-key", "/dev/stdin"] }
        _ = try run(arguments, name: name, input: peer.presharedKey.map { $0.description + "\n" })
    }

    private static func run(_ arguments: [String], name: String, input: String? = nil) throws(WireGuardError) -> String {
        guard ToolProcess.has("wg") else {
            throw .protocolError("`wg` is not installed (Debian: wireguard-tools) and \(name) has no UAPI socket")
        }
        let result: ToolProcess.Result
        do { result = try ToolProcess.run(arguments, input: input) } catch { throw .protocolError("cannot run wg: \(error)") }
        guard result.succeeded else {
            let stderr = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            if stderr.contains("Operation not permitted") || stderr.contains("Permission denied") { throw .permission("wg: \(stderr)") }
            if stderr.contains("No such device") || stderr.contains("Unable to access interface") { throw .noInterface(name) }
            throw .protocolError("\(arguments.prefix(4).joined(separator: " ")): \(stderr)")
        }
        return result.stdout
    }

    /// `wg show NAME dump`: the interface line (private key, public key, port, fwmark), then
    /// one tab-separated line per peer: key, preshared key, endpoint, allowed IPs, latest
    /// handshake (s), rx, tx, keepalive ("off" or seconds).
    public static func parseDump(_ text: String) throws(WireGuardError) -> WireGuardDevice {
        var lines = text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        guard !lines.isEmpty, lines[0].count >= 4 else { throw .protocolError("wg show dump: no interface line") }
        let interface = lines.removeFirst()
        var device = WireGuardDevice()
        device.privateKey = WireGuardKey(interface[0])
        device.listenPort = UInt16(interface[2]) ?? 0
        device.fwmark = interface[3] == "off" ? 0 : UInt32(interface[3].hasPrefix("0x") ? String(interface[3].dropFirst(2)) : interface[3], radix: interface[3].hasPrefix("0x") ? 16 : 10) ?? 0
        for fields in lines {
            guard fields.count >= 8, let key = WireGuardKey(fields[0]) else { throw .protocolError("wg show dump: a peer line natctl cannot read") }
            var peer = WireGuardPeer(publicKey: key)
            peer.presharedKey = WireGuardKey(fields[1]).flatMap { $0.isZero ? nil : $0 }
            peer.endpoint = TransportAddress(fields[2])
            peer.allowedIPs = fields[3] == "(none)" ? [] : fields[3].split(separator: ",").map(String.init)
            if let seconds = Int64(fields[4]), seconds > 0 {
                guard let nanoseconds = WireGuardUAPI.nanoseconds(seconds: seconds) else { throw .protocolError("wg show dump: latest handshake \(seconds) is out of range") }
                peer.lastHandshakeNanoseconds = nanoseconds
            }
            peer.rxBytes = UInt64(fields[5]) ?? 0
            peer.txBytes = UInt64(fields[6]) ?? 0
            peer.keepalive = UInt16(fields[7]) ?? 0
            device.peers.append(peer)
        }
        return device
    }
}
