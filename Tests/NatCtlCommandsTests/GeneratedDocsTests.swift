import Foundation
import Testing

/// Completions/ and Man/ are generated and committed; these fail when they fall behind the
/// command tree (regenerate with `make docs`).
@Suite struct GeneratedDocsTests {
    @Test(arguments: [("bash", "natctl.bash"), ("zsh", "_natctl"), ("fish", "natctl.fish")])
    func completionScriptIsUpToDate(shell: String, file: String) throws {
        let output = try Subprocess.natctl("--generate-completion-script", shell)
        #expect(output.status == 0)
        let committed = try String(
            contentsOf: Subprocess.packageRoot.appendingPathComponent("Completions/\(file)"), encoding: .utf8)
        #expect(committed == output.stdout, "Completions/\(file) is stale: run `make docs`")
    }

    @Test func everyCommandHasACommittedManPage() throws {
        let man = Subprocess.packageRoot.appendingPathComponent("Man")
        for page in [
            "natctl.1", "natctl.probe.1", "natctl.relay.1", "natctl.relay.serve.1", "natctl.lab.1", "natctl.lab.up.1",
            "natctl.lab.down.1", "natctl.lab.status.1", "natctl.lab.exec.1", "natctl.lab.list.1", "natctl.lab.verify.1",
        ] {
            let text = try String(contentsOf: man.appendingPathComponent(page), encoding: .utf8)
            #expect(text.contains(".Dt "), "\(page) is not an mdoc man page")
        }
        let root = try String(contentsOf: man.appendingPathComponent("natctl.1"), encoding: .utf8)
        #expect(root.contains("EXIT CODES"))
    }
}
