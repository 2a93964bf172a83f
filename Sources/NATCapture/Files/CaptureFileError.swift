/// Why a capture file could not be read or written; each names the place, as decode errors do.
public enum CaptureFileError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case notACapture(path: String)
    /// A block or record that claims more bytes than the file has, or fewer than its header.
    case truncated(path: String, offset: Int, what: String)
    case unsupportedLinkType(path: String, linkType: UInt32)
    case mixedLinkTypes(path: String)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read '\(path)': \(reason)"
        case .notACapture(let path): "'\(path)' is neither a pcap nor a pcapng file"
        case .truncated(let path, let offset, let what): "'\(path)' is cut short in \(what) at byte \(offset)"
        case .unsupportedLinkType(let path, let type): "'\(path)' uses link type \(type), which natctl does not decode"
        case .mixedLinkTypes(let path): "a pcap file holds one link type, but the capture for '\(path)' has several; write .pcapng"
        case .unwritable(let path, let reason): "cannot write '\(path)': \(reason)"
        }
    }
}
