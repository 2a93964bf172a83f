/// An `http://host:port/path` URL, the only kind UPnP uses for LOCATION, URLBase and
/// controlURL (UDA 1.1 §2.1). Hosts are IPv4 literals or names (a bracketed IPv6 literal is
/// accepted too); the port defaults to 80.
public struct HTTPURL: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: UInt16
    /// Starts with "/"; includes any query.
    public var path: String

    public init(host: String, port: UInt16 = 80, path: String = "/") {
        self.host = host
        self.port = port
        self.path = path.hasPrefix("/") ? path : "/" + path
    }

    /// Parses an absolute `http://` URL (scheme case-insensitive); nil for anything else.
    public init?(_ text: String) {
        let trimmed = text.trimmedWhitespace
        guard trimmed.count <= 2048, trimmed.lowercased().hasPrefix("http://") else { return nil }
        let rest = trimmed.dropFirst("http://".count)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        var path = String(rest[authorityEnd...])
        // Whitespace before a fragment would not survive printing and reading back.
        if let fragment = path.firstIndex(of: "#") { path = String(path[..<fragment]).trimmedWhitespace }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else { return nil }
        var port: UInt16 = 80
        if let portText, !portText.isEmpty {
            guard portText.count <= 5, let number = UInt16(portText), number != 0 else { return nil }
            port = number
        }
        self.init(host: String(host), port: port, path: path.isEmpty ? "/" : path.hasPrefix("?") ? "/" + path : path)
    }

    /// `reference` (a controlURL or SCPDURL) resolved against this URL: absolute URLs stand,
    /// "/x" replaces the path, anything else is relative to this path's directory (RFC 3986 §5.2,
    /// without dot-segment removal: no IGD uses them).
    public func resolving(_ reference: String) -> HTTPURL? {
        let trimmed = reference.trimmedWhitespace
        guard !trimmed.isEmpty else { return self }
        if trimmed.lowercased().hasPrefix("http://") { return HTTPURL(trimmed) }
        if trimmed.contains("://") || trimmed.count > 2048 { return nil }
        if trimmed.hasPrefix("//") { return HTTPURL("http:" + trimmed) }
        if trimmed.hasPrefix("/") { return HTTPURL(host: host, port: port, path: trimmed) }
        let pathOnly = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "/"
        let directory = pathOnly.lastIndex(of: "/").map { String(pathOnly[...$0]) } ?? "/"
        return HTTPURL(host: host, port: port, path: directory + trimmed)
    }

    /// The Host header's value: the port only when not 80.
    public var authority: String {
        let hostText = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? hostText : "\(hostText):\(port)"
    }

    public var description: String { "http://\(authority)\(path)" }
}
