import FuzzSupport
import NATCapture

/// libFuzzer harness for `natctl trace --read F --write G`: a pcap or pcapng file is parsed,
/// its packets decoded and explained (every trace rule, the timeline and the JSON report), then
/// written as pcap and as pcapng, and each written file read back. The input is the file itself,
/// so real captures serve as seeds unchanged.
FuzzDriver.main { data in
    let capture: Capture
    do throws(CaptureFileError) {
        capture = try CaptureFileReader.parse(Array(data)[...], path: "fuzz.pcapng")
    } catch {
        _ = error.description
        return
    }
    CaptureChecks.explain(capture)
    CaptureChecks.rewrite(capture, as: .pcapng)
    CaptureChecks.rewrite(capture, as: .pcap)
}
