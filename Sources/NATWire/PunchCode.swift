import Crypto

/// A punch code such as `4127-amber-falcon-river`: the nameplate before the first dash pairs
/// the two peers on the server; the whole code keys their connectivity checks, so the server
/// never learns the key (docs/protocol.md, "Punch").
///
/// Three words from 259 give about 24 bits: enough against cross-talk and blind spoofing, not against
/// someone who captures a check and searches offline; a long code of one's own raises that bar.
public struct PunchCode: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    public let nameplate: String

    /// Parses a code; nil when it has no `nameplate-secret` shape.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= PunchNameplate.maximumBytes, parts[1].count >= 3,
            text.allSatisfy({ $0.isASCII && !$0.isWhitespace })
        else { return nil }
        self.text = text
        nameplate = parts[0]
    }

    /// Serverless mode's code when none is given: it keys checks but, being public, authenticates nothing.
    public static let serverlessDefault = PunchCode(unchecked: "serverless-natctl-default")

    /// A fresh code: a 4-digit nameplate and three words.
    public static func random() -> PunchCode {
        var generator = SystemRandomNumberGenerator()
        let words = (0..<3).map { _ in wordList[Int.random(in: 0..<wordList.count, using: &generator)] }
        let text = "\(Int.random(in: 1000...9999, using: &generator))-" + words.joined(separator: "-")
        return PunchCode(text) ?? PunchCode(unchecked: text)
    }

    private init(unchecked text: String) {
        self.text = text
        nameplate = String(text.prefix { $0 != "-" })
    }

    /// The key both peers sign checks and data with (HKDF-SHA256 of the whole code).
    public var checkKey: STUNIntegrityKey {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Array(text.utf8)), salt: Array("natctl punch v1".utf8),
            info: Array("check key".utf8), outputByteCount: 32)
        return STUNIntegrityKey(bytes: key.withUnsafeBytes { Array($0) })
    }

    /// Eight bytes that show the server (and through it the peer) which code was typed,
    /// without revealing the key: the first half of HMAC-SHA256(key, "confirm").
    public var confirmation: PunchConfirm {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("confirm".utf8), using: SymmetricKey(data: checkKey.bytes))
        return PunchConfirm(Array(Array(mac).prefix(8)))
    }

    public var description: String { text }

    /// Short, distinct, easy to say over the phone.
    static let wordList: [String] = """
        acid acorn actor adobe agent alarm album alpha amber angle apple april arena argon arrow aspen atlas attic \
        audio autumn avid axis bacon badge bagel baker bamboo banjo barley basil beach beacon bean beetle berry bison \
        blade blaze bloom bonus brave bread brick bridge bronze brook brush cabin cable cactus camel candle canoe \
        canyon carbon cargo castle cedar cello chalk cherry chess cider cinema citrus civic clay cliff clover cobalt \
        cocoa comet coral cotton crane crater cricket crystal cubic dahlia daisy delta denim desert diesel dingo \
        dolphin donut dragon drum eagle echo eclipse elbow elder ember emerald engine epoch falcon fennel fern ferry \
        fiber fiddle finch fjord flame flint flute forest fossil fox frost galaxy garlic gecko geyser ginger glacier \
        globe gold gopher granite grape gravel guitar harbor hazel helium heron hickory honey horizon husky igloo \
        indigo iris island ivory jacket jade jaguar jasmine jelly jigsaw juniper kayak kelp kettle kiwi koala lagoon \
        lantern laser lemon lentil lilac lime linen lizard llama lobster lotus lunar magnet mango maple marble meadow \
        melon mercury meteor mint mirror mocha monsoon mosaic moss nectar nickel noble nomad nutmeg oasis ocean olive \
        onyx opal orbit orchid otter oxygen paddle panda papaya parrot pasta peach pebble pecan pepper piano pilot \
        pine pixel plasma plum polar pony poppy prism puffin pulsar quartz quill rabbit radar radish raven reef \
        ribbon river robin rocket ruby saffron salmon sandal sapphire satin sequoia shadow sierra silver sketch \
        sonar spruce squid starling stone summit sunset swan tango teal tiger timber topaz tulip tundra turbo \
        umber velvet violet vortex walnut willow zebra
        """.split(separator: " ").map(String.init)
}
