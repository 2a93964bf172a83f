import Foundation

#if FUZZING
import CFuzzDriver
#endif

/// The `main` every harness shares. Built with `-sanitize=fuzzer -DFUZZING` (scripts/fuzz.sh) it
/// hands control to libFuzzer, which passes each input to `body`; in a plain build it replays the
/// files and directories named on the command line through the same `body`, so a crash input
/// can be reproduced (and debugged) without the fuzzer, and the harness is compiled and linked by
/// every `swift build`, so it cannot rot.
public enum FuzzDriver {
    /// The harness body. libFuzzer's callback is a C function pointer, which cannot capture a
    /// closure, so the body is parked here once, before the driver starts, and only read after.
    nonisolated(unsafe) private static var body: ((UnsafeRawBufferPointer) -> Void)?

    /// One input through the body.
    static func run(_ data: UnsafeRawBufferPointer) {
        guard let body else { fatalError("FuzzDriver.main was not called before the fuzzer started") }
        body(data)
    }

    public static func main(_ body: @escaping (UnsafeRawBufferPointer) -> Void) -> Never {
        Self.body = body
        #if FUZZING
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            FuzzDriver.run(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }
        exit(status)
        #else
        exit(replay(Array(CommandLine.arguments.dropFirst())))
        #endif
    }

    /// Runs every file given, and every file inside each directory given, through the body.
    /// Returns 64 (usage) when nothing was named, 66 when a path cannot be read.
    static func replay(_ paths: [String]) -> Int32 {
        guard !paths.isEmpty else {
            FileHandle.standardError.write(Data("usage: \(CommandLine.arguments.first ?? "harness") FILE-OR-DIR...\n".utf8))
            return 64
        }
        var count = 0
        for path in paths {
            guard let files = inputFiles(path) else {
                FileHandle.standardError.write(Data("cannot read '\(path)'\n".utf8))
                return 66
            }
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                data.withUnsafeBytes { run($0) }
                count += 1
            }
        }
        print("replayed \(count) input(s) without a crash")
        return 0
    }

    /// The regular files at `path`: itself, or those directly inside it, sorted; nil when unreadable.
    private static func inputFiles(_ path: String) -> [String]? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else { return [path] }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return nil }
        return names.sorted().map { "\(path)/\($0)" }.filter { file in
            var nested: ObjCBool = false
            return FileManager.default.fileExists(atPath: file, isDirectory: &nested) && !nested.boolValue
        }
    }
}

#if FUZZING
/// `-sanitize=fuzzer` links libFuzzer's archive, which references this symbol even though the
/// driver above passes its own callback; defining it satisfies the link and routes to the same body.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzDriver.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#endif

/// Stops the process when a harness invariant breaks, so libFuzzer records the input as a crash.
/// Used for round-trip properties, which are bugs even when nothing traps.
public func fuzzRequire(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #file, line: UInt = #line) {
    guard condition else { fatalError("fuzz invariant: \(message())", file: file, line: line) }
}
