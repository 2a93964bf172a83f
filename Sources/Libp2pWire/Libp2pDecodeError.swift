/// Why bytes from a libp2p peer could not be decoded: the place (message, field) and the reason,
/// so an error from the wire says what was wrong where.
public struct Libp2pDecodeError: Error, Equatable, CustomStringConvertible {
    public let place: String
    public let reason: String

    public init(_ place: String, _ reason: String) {
        self.place = place
        self.reason = reason
    }

    public var description: String { "\(place): \(reason)" }
}
