import ArgumentParser
import Foundation
import NATServer

/// `relay serve`'s TCP and TLS flags, named after coturn's `turnserver`.
struct StreamServerOptions: ParsableArguments {
    @Flag(name: .customLong("no-tcp"), help: "Serve STUN and TURN over UDP only, not also over TCP on the --listen port.")
    var noTCP = false

    @Option(name: .long, help: ArgumentHelp("TLS certificate chain, PEM: serves STUN and TURN over TLS too (with --pkey).", valueName: "file"))
    var cert: String?

    @Option(name: .long, help: ArgumentHelp("The TLS certificate's private key, PEM.", valueName: "file"))
    var pkey: String?

    @Option(name: .customLong("tls-listening-port"), help: ArgumentHelp("TLS port, on the --listen IP (0: any free port).", valueName: "port"))
    var tlsListeningPort: UInt16 = 5349

    @Flag(name: .customLong("no-tls"), help: "No TLS, even with --cert and --pkey.")
    var noTLS = false

    func validate() throws {
        if (cert == nil) != (pkey == nil) { throw ValidationError("--cert and --pkey go together") }
        for file in [cert, pkey].compactMap({ $0 }) where !FileManager.default.isReadableFile(atPath: file) {
            throw ValidationError("'\(file)' is not a readable file")
        }
    }

    var configuration: StreamConfiguration {
        var tls: TLSServerConfiguration?
        if !noTLS, let cert, let pkey { tls = TLSServerConfiguration(certificateFile: cert, privateKeyFile: pkey, port: tlsListeningPort) }
        return StreamConfiguration(tcp: !noTCP, tls: tls)
    }
}
