import Libp2pWire

/// The Noise-secured layer over a `Libp2pByteStream`: every write is sealed into 2-byte-length
/// frames, every frame read is opened into a plaintext buffer that `read(_:parse:)` parses from.
/// One task drives it (reads and writes), as the dialer does.
final class Libp2pSecureStream: Libp2pLayer, @unchecked Sendable {
    let raw: Libp2pByteStream
    private var sending: NoiseCipherState
    private var receiving: NoiseCipherState
    private var plaintext = PendingBytes()

    /// Largest plaintext in one Noise frame: 65535 less the tag.
    static let maximumChunk = 65535 - 16

    init(raw: Libp2pByteStream, ciphers: (send: NoiseCipherState, receive: NoiseCipherState)) {
        self.raw = raw
        sending = ciphers.send
        receiving = ciphers.receive
    }

    func send(_ bytes: [UInt8]) throws(Libp2pError) { raw.send(try Self.seal(bytes, with: &sending)) }

    /// `bytes` sealed into as many Noise frames as they need.
    static func seal(_ bytes: [UInt8], with cipher: inout NoiseCipherState) throws(Libp2pError) -> [UInt8] {
        var out: [UInt8] = []
        var offset = 0
        repeat {
            let chunk = Array(bytes[offset..<min(bytes.count, offset + maximumChunk)])
            guard let sealed = try? cipher.encrypt(chunk) else { throw .closed("encrypting") }
            out += NoiseFrame.frame(sealed)
            offset += chunk.count
        } while offset < bytes.count
        return out
    }

    func read<T>(_ doing: String, deadline: ContinuousClock.Instant, parse: ([UInt8]) throws(Libp2pDecodeError) -> (T, Int)?) async throws(Libp2pError) -> T {
        while true {
            if let value = try plaintext.next(parse) { return value }
            let sealed = try await raw.read(doing, deadline: deadline, parse: NoiseFrame.parse)
            do { plaintext.append(try receiving.decrypt(sealed)) } catch { throw .malformed(error) }
        }
    }

    /// The ciphers and any plaintext read past the last message, for the multiplexed
    /// connection that takes over once yamux is agreed (a dialer may pipeline its first frames).
    func handOver() -> (send: NoiseCipherState, receive: NoiseCipherState, leftover: [UInt8]) {
        (sending, receiving, plaintext.takeAll() ?? [])
    }
}
