// swift-tools-version: 6.1
// natctl: diagnose NAT and connectivity problems, and fix them where possible.
import PackageDescription

let package = Package(
    name: "natctl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "natctl", targets: ["natctl"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        .executableTarget(
            name: "natctl",
            dependencies: ["NatCtlCommands"]
        ),
        .target(
            name: "NatCtlCommands",
            dependencies: [
                "NATWire", "NATCore", "NATServer", "NATCapture", "NATLab", "Libp2pWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .target(
            name: "NATWire",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // libp2p's codecs (multiaddr, peer IDs, multistream-select, Noise XX, yamux, identify):
        // pure, as NATWire is; the dialing is NATCore's.
        .target(
            name: "Libp2pWire",
            dependencies: ["NATWire", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The NIO glue client and server share (socket addresses, durations, stream framing):
        // NATServer depends on it, not on the client engine.
        .target(
            name: "NATNIO",
            dependencies: ["NATWire", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(
            name: "NATCore",
            dependencies: [
                "NATWire", "NATNIO", "Libp2pWire", "CPacketSocket", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        .target(
            name: "NATServer",
            dependencies: [
                "NATWire", "NATNIO", "CRelaySockets",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            // The relay's state is confined to one thread per RelayEventLoop, and its data path
            // touches that state a few times per packet: the runtime's exclusivity checks (a
            // thread-local access set per touch) cost about 700 of 1 500 instructions per relayed
            // packet under callgrind. The compile-time checks stay on.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
        ),
        .target(name: "CRelaySockets"),
        .target(name: "CPacketSocket"),
        .target(name: "NATCapture", dependencies: ["CPcap", "NATWire", "Libp2pWire"]),
        .target(name: "NATLab", dependencies: ["NATCore", "NATWire"]),
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
        // libFuzzer harnesses (scripts/fuzz.sh builds them with -sanitize=fuzzer -DFUZZING; a plain
        // build links them as replayers of saved inputs, so they never rot). Not products: users
        // get natctl only.
        .systemLibrary(name: "CFuzzDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzDriver"]),
        .executableTarget(name: "FuzzSTUN", dependencies: ["FuzzSupport", "NATWire"]),
        .executableTarget(name: "FuzzChannelData", dependencies: ["FuzzSupport", "NATWire", "NATCapture"]),
        .executableTarget(name: "FuzzCapture", dependencies: ["FuzzSupport", "NATCapture", "NATWire"]),
        .executableTarget(name: "FuzzParsers", dependencies: ["FuzzSupport", "NATWire", "NATCore", "NATLab", "Libp2pWire"]),
        .testTarget(name: "NATWireTests", dependencies: ["NATWire"]),
        .testTarget(name: "Libp2pWireTests", dependencies: ["Libp2pWire", "NATWire", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(
            name: "NATCoreTests",
            dependencies: [
                "NATCore", "NATServer", .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "NATServerTests",
            dependencies: [
                "NATServer", "NATCore", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "NatCtlCommandsTests", dependencies: ["NatCtlCommands", "NATCapture", "NATCore"]),
        .testTarget(name: "NATCaptureTests", dependencies: ["NATCapture", "NATWire", "CPcap", "Libp2pWire"]),
        .testTarget(name: "NATLabTests", dependencies: ["NATLab", "NATCore", "NATWire"]),
    ]
)
