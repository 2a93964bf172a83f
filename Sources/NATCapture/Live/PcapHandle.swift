#if canImport(Glibc)
import CPcap
import Glibc
import NATWire

/// One activated libpcap handle: immediate mode (packets are handed over as they arrive, not
/// when a buffer fills), nanosecond stamps, non-blocking, with a BPF filter.
final class PcapHandle {
    let target: CaptureTarget
    let linkType: CaptureLinkType
    let addresses: [IPAddress]
    let pointer: OpaquePointer
    /// Frames this handle delivered; filled only by the capture thread.
    var frames: [CapturedFrame] = []
    let interfaceIndex: Int
    private(set) var nanosecondStamps = true
    /// Set when the device failed during capture (pcap_geterr), after which it is not polled.
    var failure: String?
    /// The capture's cap on frames kept, shared with its other devices.
    let budget: FrameBudget

    /// Bytes kept per packet: a full Ethernet frame and then some (longer loopback datagrams
    /// are marked cut). In immediate mode libpcap uses a ring of fixed slots sized by the snap
    /// length, so 65535 would leave only ~120 slots in 8 MiB and drop bursts; 4096 gives ~2000.
    static let snapLength: Int32 = 4096

    init(target: CaptureTarget, index: Int, filter: String?, bufferBytes: Int, budget: FrameBudget) throws(CaptureError) {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let handle = pcap_create(target.interface, &errorBuffer) else {
            throw .pcap(interface: target.description, reason: Self.text(errorBuffer))
        }
        var activated = false
        defer { if !activated { pcap_close(handle) } }
        pcap_set_snaplen(handle, Self.snapLength)
        pcap_set_promisc(handle, 0)
        pcap_set_immediate_mode(handle, 1)
        pcap_set_buffer_size(handle, Int32(clamping: bufferBytes))
        pcap_set_tstamp_precision(handle, Int32(PCAP_TSTAMP_PRECISION_NANO))
        let status = pcap_activate(handle)
        switch status {
        case PCAP_ERROR_PERM_DENIED: throw .notPermitted(interface: target.description)
        case PCAP_ERROR_NO_SUCH_DEVICE: throw .noSuchInterface(target.description)
        case ..<0: throw .pcap(interface: target.description, reason: String(cString: pcap_geterr(handle)))
        default: break
        }
        // Stamps are nanoseconds only if libpcap agreed to it; otherwise tv_usec is microseconds.
        nanosecondStamps = pcap_get_tstamp_precision(handle) == Int32(PCAP_TSTAMP_PRECISION_NANO)
        guard let link = CaptureLinkType(dlt: pcap_datalink(handle)) else {
            throw .pcap(interface: target.description, reason: "link type \(pcap_datalink(handle)) is not one natctl decodes")
        }
        if let filter, !filter.isEmpty {
            var program = bpf_program()
            guard pcap_compile(handle, &program, filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
                throw .badFilter(filter: filter, reason: String(cString: pcap_geterr(handle)))
            }
            defer { pcap_freecode(&program) }
            guard pcap_setfilter(handle, &program) == 0 else {
                throw .pcap(interface: target.description, reason: String(cString: pcap_geterr(handle)))
            }
        }
        guard pcap_setnonblock(handle, 1, &errorBuffer) == 0 else {
            throw .pcap(interface: target.description, reason: Self.text(errorBuffer))
        }
        self.target = target
        self.linkType = link
        self.pointer = handle
        self.interfaceIndex = index
        self.budget = budget
        self.addresses = target.interface == "any" ? InterfaceAddresses.all().values.flatMap { $0 } : InterfaceAddresses.all()[target.interface] ?? []
        activated = true
    }

    deinit { pcap_close(pointer) }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    var selectableDescriptor: Int32 { pcap_get_selectable_fd(pointer) }

    /// Hands every packet waiting in the kernel buffer to `frames`; returns how many.
    @discardableResult
    func drain() -> Int {
        let context = Unmanaged.passUnretained(self).toOpaque().assumingMemoryBound(to: UInt8.self)
        let count = pcap_dispatch(pointer, -1, { user, header, bytes in
            guard let user, let header, let bytes else { return }
            let handle = Unmanaged<PcapHandle>.fromOpaque(UnsafeRawPointer(user)).takeUnretainedValue()
            // Past the limit the frame is still taken from the kernel (so it is not counted as a
            // kernel drop) but not copied.
            guard handle.budget.admit() else { return }
            let fraction = Int64(header.pointee.ts.tv_usec)
            let stamp = Int64(header.pointee.ts.tv_sec) * 1_000_000_000 + (handle.nanosecondStamps ? fraction : fraction * 1000)
            let data = Array(UnsafeBufferPointer(start: bytes, count: Int(header.pointee.caplen)))
            handle.frames.append(CapturedFrame(timestampNanos: stamp, interface: handle.interfaceIndex, originalLength: Int(header.pointee.len), bytes: data))
        }, context)
        if count < 0 { failure = String(cString: pcap_geterr(pointer)) }
        return max(Int(count), 0)
    }

    var drops: CaptureDrops? {
        var stats = pcap_stat()
        guard pcap_stats(pointer, &stats) == 0 else { return nil }
        return CaptureDrops(kernel: Int(stats.ps_drop), interface: nil)
    }

    var interface: CaptureInterface {
        // Devices in natctl's own namespace are this host's; namespaced ones are lab vantage points.
        CaptureInterface(name: target.description, linkType: linkType, addresses: addresses, isLocal: target.namespace == nil)
    }
}
#endif
