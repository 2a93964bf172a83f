import NATWire
import NIOCore

/// Cuts a TCP or TLS byte stream into STUN messages and ChannelData frames
/// (`STUNStreamFraming`), one `ByteBuffer` each (ChannelData with its padding). A stream that
/// stops looking like STUN fails with `STUNStreamError.notSTUN`, and the connection closes:
/// there is no way to find the next message boundary.
public struct STUNStreamDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    /// Whether a STUN message has come: a stream's first message is always one (an Allocate,
    /// a Binding, or their answers), so ChannelData before it means the bytes are something
    /// else (an HTTP request's "GE" reads as a channel number).
    private var sawSTUN = false

    public init() {}

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        switch STUNStreamFraming.frame(at: buffer.readableBytesView) {
        case .needMore:
            return .needMoreData
        case .invalid(let reason):
            throw STUNStreamError.notSTUN(reason)
        case .length(let length):
            let isChannelData = buffer.readableBytesView.first.map(ChannelDataHeader.isChannelData(firstByte:)) ?? false
            if isChannelData, !sawSTUN { throw STUNStreamError.notSTUN("ChannelData before any STUN message") }
            sawSTUN = sawSTUN || !isChannelData
            guard let frame = buffer.readSlice(length: length) else { return .needMoreData }
            context.fireChannelRead(wrapInboundOut(frame))
            return .continue
        }
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A partial message at the end of the stream is dropped with the connection.
        try decode(context: context, buffer: &buffer)
    }
}

public enum STUNStreamError: Error, CustomStringConvertible {
    case notSTUN(String)

    public var description: String {
        switch self {
        case .notSTUN(let reason): "the stream does not carry STUN: \(reason)"
        }
    }
}
