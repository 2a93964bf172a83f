import Crypto
import Libp2pWire
import NATWire
import Testing

/// Multiaddr, peer ID and key vectors: the libp2p specs' (peer-ids.md test vectors and examples,
/// tls.md's Ed25519 peer ID) and binary multiaddrs as py-libp2p's multiaddr 0.2.0 encodes them.
@Suite struct CodecVectorTests {
    static func hex(_ text: String) -> [UInt8] {
        stride(from: 0, to: text.count, by: 2).map { offset in
            let start = text.index(text.startIndex, offsetBy: offset)
            return UInt8(text[start..<text.index(start, offsetBy: 2)], radix: 16) ?? 0
        }
    }

    @Test(arguments: [
        ("/ip4/127.0.0.1/tcp/4001", "047f000001060fa1"),
        ("/ip4/198.51.100.7/udp/1234/quic-v1", "04c6336407910204d2cd03"),
        (
            "/ip6/2001:db8::1/tcp/4001/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA",
            "2920010db8000000000000000000000001060fa1a503260024080112202ffa35a99d3a3cfbb17bb7c1dc5561b18a8dcca4df38dc613ea859c37eb1336b"
        ),
        (
            "/ip4/203.0.113.1/tcp/4001/p2p/QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N/p2p-circuit/p2p/12D3KooWM6CgA9iBFZmcYAHA6A2qvbAxqfkmrYiRQuz3XEsk4Ksv",
            "04cb007101060fa1a5032212209dff3b17d74cf4d38a50d8b6383e92d181a10395a5e73a726dcccbd21bf6f0b9a202a50326002408011220a77f1d92fedb59dddaea5a1c4abd1ac2fbde7d7b879ed364501809923d7c11b9"
        ),
        ("/dns4/example.com/tcp/443/wss", "360b6578616d706c652e636f6d0601bbde03"),
    ])
    func multiaddrsRoundTripInTextAndBinary(text: String, binary: String) throws {
        let address = try Multiaddr(parsing: text)
        #expect(address.description == text)
        #expect(address.bytes == Self.hex(binary))
        #expect(try Multiaddr(bytes: Self.hex(binary)) == address)
    }

    @Test func multiaddrAccessorsAndErrors() throws {
        let address = try Multiaddr(parsing: "/ip4/198.51.100.7/tcp/4001/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA")
        #expect(address.tcpAddress == TransportAddress("198.51.100.7:4001"))
        #expect(address.peerID?.description == "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA")
        #expect(try Multiaddr(parsing: "/ipfs/QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N").description == "/p2p/QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N")
        for bad in ["ip4/1.2.3.4", "/ip4/1.2.3.999/tcp/1", "/ip4/1.2.3.4/tcp/70000", "/ip4", "/bogus/1", "/p2p/not-a-peer", "/"] {
            #expect(throws: Libp2pDecodeError.self, "\(bad)") { try Multiaddr(parsing: bad) }
        }
        for bad in ["04", "047f0000", "06", "ff7f", "a50305000000", ""] {
            #expect(throws: Libp2pDecodeError.self, "\(bad)") { try Multiaddr(bytes: Self.hex(bad)) }
        }
    }

    /// peer-ids.md: the Ed25519 test vector's private key yields its public key, whose
    /// encoding is the one given; tls.md: an Ed25519 key and its peer ID.
    @Test func ed25519KeysAndPeerIDsMatchTheSpecs() throws {
        let privateKey = Self.hex("080112407e0830617c4a7de83925dfb2694556b12936c477a0e1feb2e148ec9da60fee7d1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e")
        let seed = Array(privateKey[4..<36])
        let identity = Libp2pIdentity(privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: seed))
        #expect(identity.publicKey.encoded == Self.hex("080112201ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e"))
        let key = try Libp2pPublicKey(encoded: Self.hex("08011220a77f1d92fedb59dddaea5a1c4abd1ac2fbde7d7b879ed364501809923d7c11b9"))
        #expect(key.peerID.description == "12D3KooWM6CgA9iBFZmcYAHA6A2qvbAxqfkmrYiRQuz3XEsk4Ksv")
        #expect(PeerID("12D3KooWM6CgA9iBFZmcYAHA6A2qvbAxqfkmrYiRQuz3XEsk4Ksv")?.inlinedKey == key)
        // An RSA key (peer-ids.md) encodes past 42 bytes: its peer ID is a SHA-256 multihash.
        let rsa = Libp2pPublicKey(type: .rsa, data: [UInt8](repeating: 1, count: 300))
        #expect(rsa.peerID.bytes.prefix(2) == [0x12, 0x20] && rsa.peerID.description.hasPrefix("Qm"))
        #expect(rsa.verifies([1], over: [2]) == nil, "RSA signatures are not checked")
        let signature = try identity.sign(Array("hello".utf8))
        #expect(identity.publicKey.verifies(signature, over: Array("hello".utf8)) == true)
        #expect(identity.publicKey.verifies(signature, over: Array("hellO".utf8)) == false)
    }

    @Test(arguments: ["12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA", "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N"])
    func peerIDTextRoundTrips(text: String) throws {
        let peer = try #require(PeerID(text))
        #expect(peer.description == text)
    }

    @Test func badPeerIDsAndKeysAreRefused() {
        #expect(PeerID("0OIl") == nil, "characters outside base58")
        #expect(PeerID("1111") == nil, "not a multihash")
        #expect(throws: Libp2pDecodeError.self) { try Libp2pPublicKey(encoded: Self.hex("0801122001")) }
        #expect(throws: Libp2pDecodeError.self) { try Libp2pPublicKey(encoded: Self.hex("0809")) }
        #expect(throws: Libp2pDecodeError.self) { try Libp2pPublicKey(encoded: Self.hex("08011221") + [UInt8](repeating: 0, count: 33)) }
    }

    @Test func varintsAreBoundedAndMinimal() throws {
        for value: UInt64 in [0, 1, 127, 128, 300, 16_383, 16_384, 1 << 62] {
            let encoded = Varint.encode(value)
            #expect(try Varint.decode(encoded, place: "test")?.value == value)
            #expect(try Varint.decode(encoded.dropLast(), place: "test") == nil, "incomplete")
        }
        #expect(throws: Libp2pDecodeError.self) { try Varint.decode([UInt8](repeating: 0xFF, count: 10), place: "test") }
        #expect(throws: Libp2pDecodeError.self) { try Varint.decode([0x80, 0x00], place: "test") }
    }

    @Test func multistreamMessagesAndIdentifyRoundTrip() throws {
        let message = Multistream.message("/noise")
        #expect(message == [7] + Array("/noise\n".utf8))
        #expect(try Multistream.parse(message)?.text == "/noise")
        #expect(try Multistream.parse(Array(message.dropLast())) == nil)
        #expect(throws: Libp2pDecodeError.self) { try Multistream.parse([3] + Array("abc".utf8)) }
        #expect(throws: Libp2pDecodeError.self) { try Multistream.parse(Varint.encode(5000)) }

        var identify = IdentifyMessage()
        identify.agentVersion = "natctl/test"
        identify.protocolVersion = "ipfs/0.1.0"
        identify.protocols = ["/ipfs/id/1.0.0", "/libp2p/autonat/1.0.0"]
        identify.listenAddrs = [try Multiaddr(parsing: "/ip4/203.0.113.1/tcp/4001")]
        identify.observedAddr = try Multiaddr(parsing: "/ip4/198.51.100.7/tcp/40123")
        identify.publicKey = Libp2pIdentity().publicKey
        #expect(try IdentifyMessage(encoded: identify.encoded) == identify)
        // An address of a protocol natctl does not know is noted, not fatal.
        var writer = ProtobufWriter()
        writer.lengthDelimited(2, Self.hex("fe03"))
        writer.text(6, "other")
        let decoded = try IdentifyMessage(encoded: writer.bytes)
        #expect(decoded.agentVersion == "other" && decoded.listenAddrs.isEmpty && decoded.undecodedAddrs.count == 1)
        #expect(throws: Libp2pDecodeError.self) { try IdentifyMessage(encoded: [0x32, 0x05, 0x41]) }
    }
}
