import ArgumentParser
import Foundation
import Testing

@testable import NatCtlCommands

/// Flags, help, version and exit codes of the built binary; parsing also without a process.
@Suite struct UsageCLITests {
    @Test func versionNamesLibpcap() throws {
        let output = try Subprocess.natctl("--version")
        #expect(output.status == 0)
        #expect(output.stdout.hasPrefix("natctl \(NatCtl.version) (libpcap version "))
    }

    @Test(arguments: [
        ["probe", "--no-such-flag"],
        ["probe", "--server", "not an address"],
        ["probe", "--server", "2001:db8::1:3478"],
        ["probe", "--timeout", "-1"],
        ["probe", "--require", "teleport"],
        ["relay", "serve", "--listen", "127.0.0.1"],
        ["relay", "serve", "--listen", "127.0.0.1:3478", "--alternate", "127.0.0.1:3479"],
        ["relay", "serve", "--listen", "127.0.0.1:3478", "--alternate", "127.0.0.2:3478"],
        ["no-such-command"],
        ["lab", "up", "--site", "a=teleport"],
        ["lab", "up", "--site", "a=eim-apdf", "--delay", "50", "--jitter", "60"],
        ["classify", "--server", "not an address"],
        ["classify", "--expect", "mapping=teleport"],
        ["classify", "--expect", "colour=blue"],
        ["classify", "--transmissions", "0"],
        ["lab", "up", "--name", "Bad Name"],
        ["lab", "up", "--site", "a=apdm-apdf,hairpin"],
        ["lab", "up", "--site", "a=eim-apdf,udp-timeout=0"],
        ["lab", "up", "--site", "a=eim-apdf", "--forward", "b:4000"],
        ["lab", "up", "--site", "a=none,cgnat"],
        ["lab", "up", "--site", "a=eim-apdf,cgnat=none"],
        ["lab", "up", "--site", "a=eim-apdf,hairpin,cgnat=apdm-apdf"],
        ["punch", "--server", "127.0.0.1:3478", "--code", "no dashes"],
        ["punch", "--server", "127.0.0.1:3478", "--peer", "127.0.0.1:4000", "--bind", "4000"],
        ["punch", "--peer", "127.0.0.1:4000"],
        ["punch", "--server", "127.0.0.1:3478", "--require", "relayed"],
        ["punch", "--server", "127.0.0.1:3478", "--no-relay", "--no-direct"],
        ["punch", "--server", "127.0.0.1:3478", "--max-probes", "-1"],
        ["relay", "serve", "--listen", "127.0.0.1:0", "--stun-rate", "0"],
        ["relay", "serve", "--listen", "127.0.0.1:0", "--dial-back-rate", "-1"],
        ["relay", "serve", "--listen", "127.0.0.1:0", "--user", "a:b", "--max-permissions", "0"],
        ["relay", "serve", "--listen", "127.0.0.1:0", "--user", "a:b", "--denied-peer-ip", ""],
        ["relay", "serve", "--listen", "127.0.0.1:0", "--user", "a:b", "--denied-peer-ip", "/"],
        ["trace"],
        ["trace", "relay", "serve"],
        ["trace", "lab", "up"],
        ["trace", "probe", "--no-such-flag"],
        ["trace", "--read", "x.pcap", "probe"],
        ["trace", "--read", "x.pcap", "--interface", "eth0"],
        ["trace", "--read", "x.pcap", "--local", "not-an-ip"],
        ["trace", "--packets", "-1", "--read", "x.pcap"],
    ])
    func badUsageExits64WithAMessage(arguments: [String]) throws {
        let output = try Subprocess.run(Subprocess.natctl, arguments)
        #expect(output.status == 64, "\(arguments): \(output.stderr)")
        #expect(output.stderr.contains("Error:"))
        #expect(output.stdout.isEmpty)
    }

    @Test func traceReadErrorsExit2() throws {
        let missing = try Subprocess.run(Subprocess.natctl, ["trace", "--read", "/nonexistent/capture.pcap"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read '/nonexistent/capture.pcap': no such file"))
        let text = FileManager.default.temporaryDirectory.appendingPathComponent("natctl-not-a-capture-\(getpid()).txt")
        try Data("hello".utf8).write(to: text)
        defer { try? FileManager.default.removeItem(at: text) }
        let garbage = try Subprocess.run(Subprocess.natctl, ["trace", "--read", text.path])
        #expect(garbage.status == 2)
        #expect(garbage.stderr.contains("is neither a pcap nor a pcapng file"))
    }

    /// Without CAP_NET_RAW the capture cannot start: a clear message naming it, exit 2, and the
    /// operation never runs. (Runs as `nobody` through setpriv; as a non-root user, directly.)
    @Test func captureWithoutPrivilegeNamesCapNetRaw() throws {
        var command = [Subprocess.natctl]
        if getuid() == 0 {
            // A copy outside the checkout, which `nobody` may not be allowed to traverse.
            let copy = "/tmp/natctl-unprivileged-\(getpid())"
            try? FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: Subprocess.natctl, toPath: copy)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy)
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", copy]
        }
        defer { if getuid() == 0 { try? FileManager.default.removeItem(atPath: command[command.count - 1]) } }
        let output = try Subprocess.run("/usr/bin/env", command + ["trace", "probe", "--server", "127.0.0.1:9"])
        #expect(output.status == 2, "\(output.stderr)")
        #expect(output.stderr.contains("needs root or CAP_NET_RAW"))
        #expect(output.stdout.isEmpty, "the probe must not run uncaptured")
    }

    @Test func everyCommandHasHelp() throws {
        let labCommands = ["up", "down", "status", "exec", "list", "verify"].map { ["lab", $0] }
        for path in [[], ["probe"], ["classify"], ["punch"], ["relay"], ["relay", "serve"], ["trace"], ["lab"]] + labCommands {
            let output = try Subprocess.run(Subprocess.natctl, path + ["--help"])
            #expect(output.status == 0, "\(path)")
            #expect(output.stdout.contains("USAGE:"), "\(path)")
        }
        let root = try Subprocess.natctl("--help")
        #expect(root.stdout.contains("EXIT CODES"))
    }

    @Test func labListNamesEveryBehaviourAndWhatIsMissing() throws {
        let output = try Subprocess.natctl("lab", "list", "--json")
        #expect(output.status == 0)
        let listing = try ProbeCLITests.json(output.stdout)
        let names = (listing["behaviours"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(names == ["none", "eim-eif", "eim-adf", "eim-apdf", "apdm-apdf", "apdm-apdf-seq", "udp-blocked"])
        #expect((listing["not_available"] as? [String])?.isEmpty == false)
        #expect((listing["site_options"] as? [String])?.contains { $0.hasPrefix("cgnat") } == true)
    }

    @Test func parsingWithoutAProcess() throws {
        let command = try NatCtl.parseAsRoot(["probe", "--server", "[2001:db8::1]:3478", "--require", "udp", "--json"])
        let probe = try #require(command as? NatCtl.Probe)
        #expect(try probe.servers().map(\.description) == ["[2001:db8::1]:3478"])
        #expect(probe.require == [.udp])
        #expect(probe.output.json)
        #expect(throws: (any Error).self) { try NatCtl.parseAsRoot(["probe", "--enough", "0"]) }
    }
}
