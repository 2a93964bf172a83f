/// How many frames a live capture keeps in memory, shared by all of its devices.
///
/// A capture is held whole because the explanation rules look across all of it (a reply is
/// matched to a request seconds earlier; a mapping is compared across destinations) and
/// pcapng's interface blocks come before any packet, so streaming to the --write file would
/// not bound memory. Instead the first `limit` frames are kept and later ones only counted:
/// the start holds the requests and handshakes that explain a failure, the file stays a
/// faithful prefix of what went by, and the report says how much was left out.
///
/// Only the capture thread calls `admit()`; the counts are read after `LiveCapture.stop()`
/// has waited for that thread, which is what makes `@unchecked Sendable` sound.
public final class FrameBudget: @unchecked Sendable {
    /// The default: 100,000 frames is hours of STUN, punch and handshake traffic, and at most
    /// about 150 MB of full-size (1,500-byte) frames; a busy tunnel reaches it in seconds.
    public static let defaultLimit = 100_000

    public let limit: Int
    /// Frames kept so far.
    public private(set) var kept = 0
    /// Frames seen after the limit was reached, counted but not kept.
    public private(set) var refused = 0

    public init(limit: Int = FrameBudget.defaultLimit) {
        self.limit = max(limit, 0)
    }

    /// Whether the next frame may be kept; counts it either way.
    public func admit() -> Bool {
        guard kept < limit else {
            refused += 1
            return false
        }
        kept += 1
        return true
    }

    /// The sentence for stderr when frames were left out; nil when everything was kept.
    public var warning: String? {
        guard refused > 0 else { return nil }
        return "kept the first \(limit) packets (the capture limit; --capture-limit raises it); \(refused) later packets were seen but not kept, so the explanation and any --write file cover only the start"
    }
}
