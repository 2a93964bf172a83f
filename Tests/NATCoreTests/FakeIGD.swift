import NATWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A small UPnP IGD on 127.0.0.1 for loopback tests: an SSDP responder on an ephemeral UDP
/// port and an HTTP server answering the device description (chunked, as some routers send
/// it) and the WANIPConnection SOAP actions from an in-memory mapping table.
final class FakeIGD: Sendable {
    struct Key: Hashable, Sendable {
        var transport: String
        var externalPort: UInt16
    }

    struct Entry: Sendable, Equatable {
        var internalClient: String
        var internalPort: UInt16
        var description: String
        var lease: UInt32
    }

    struct State: Sendable {
        var mappings: [Key: Entry] = [:]
        /// SOAP actions received, in order.
        var actions: [String] = []
        var searches = 0
        var httpPort = 0
    }

    static let externalAddress = "203.0.113.7"
    let serviceType: UPnPServiceType
    /// Answer 725 to any non-zero lease, as some IGD:1 routers do.
    let permanentLeasesOnly: Bool
    let state = NIOLockedValueBox(State())
    private let channels = NIOLockedValueBox<[any Channel]>([])

    private init(serviceType: UPnPServiceType, permanentLeasesOnly: Bool) {
        self.serviceType = serviceType
        self.permanentLeasesOnly = permanentLeasesOnly
    }

    var ssdpPort: UInt16 { UInt16(channels.withLockedValue { $0[1].localAddress?.port ?? 0 }) }
    var httpPort: UInt16 { UInt16(state.withLockedValue { $0.httpPort }) }

    static func start(serviceType: UPnPServiceType = .wanIPConnection1, permanentLeasesOnly: Bool = false, mappings: [Key: Entry] = [:]) async throws -> FakeIGD {
        let igd = FakeIGD(serviceType: serviceType, permanentLeasesOnly: permanentLeasesOnly)
        igd.state.withLockedValue { $0.mappings = mappings }
        let http = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(FakeIGDHTTPHandler(igd: igd)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        igd.state.withLockedValue { $0.httpPort = http.localAddress?.port ?? 0 }
        let ssdp = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(FakeSSDPResponder(igd: igd)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        igd.channels.withLockedValue { $0 = [http, ssdp] }
        return igd
    }

    func stop() async {
        for channel in channels.withLockedValue({ $0 }) { try? await channel.close() }
    }

    var ssdpAnswer: [UInt8] {
        Array(
            ("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n"
                + "USN: uuid:fake::urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\nEXT:\r\nSERVER: natctl-test/1.0 UPnP/1.1 FakeIGD/1.0\r\n"
                + "LOCATION: http://127.0.0.1:\(httpPort)/rootDesc.xml\r\n\r\n").utf8)
    }

    var descriptionDocument: String {
        """
        <?xml version="1.0"?>
        <root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major><minor>1</minor></specVersion>
        <device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType><friendlyName>Fake IGD</friendlyName>
        <modelName>FakeIGD</modelName><deviceList><device><deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType>
        <deviceList><device><deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType><serviceList><service>
        <serviceType>\(serviceType.rawValue)</serviceType><serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId>
        <SCPDURL>/WANIPCn.xml</SCPDURL><controlURL>/ctl/IPConn</controlURL><eventSubURL>/evt/IPConn</eventSubURL>
        </service></serviceList></device></deviceList></device></deviceList></device></root>
        """
    }

    /// The whole HTTP response to one request.
    func answer(requestLine: String, soapAction: String?, body: [UInt8]) -> [UInt8] {
        if requestLine.hasPrefix("GET /rootDesc.xml ") {
            let document = Array(descriptionDocument.utf8)
            let half = document.count / 2
            let chunk = { (part: ArraySlice<UInt8>) in Array(String(part.count, radix: 16).utf8) + [13, 10] + part + [13, 10] }
            return Array("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".utf8)
                + chunk(document[..<half]) + chunk(document[half...]) + Array("0\r\n\r\n".utf8)
        }
        guard requestLine.hasPrefix("POST /ctl/IPConn "), let soapAction, let hash = soapAction.firstIndex(of: "#") else {
            return Array("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".utf8)
        }
        let action = String(soapAction[soapAction.index(after: hash)...].dropLast())
        let arguments = (try? XMLReader.parse(body))?.child("Body")?.child(action)?.children.reduce(into: [String: String]()) { $0[$1.name] = $1.value } ?? [:]
        state.withLockedValue { $0.actions.append(action) }
        switch perform(action, arguments) {
        case .success(let outputs):
            let values = outputs.map { "<\($0.0)>\($0.1)</\($0.0)>" }.joined()
            return Self.http(200, "<u:\(action)Response xmlns:u=\"\(serviceType.rawValue)\">\(values)</u:\(action)Response>")
        case .failure(let fault):
            let detail = "<UPnPError xmlns=\"urn:schemas-upnp-org:control-1-0\"><errorCode>\(fault.code ?? 0)</errorCode>"
                + "<errorDescription>\(fault.errorDescription ?? "")</errorDescription></UPnPError>"
            return Self.http(500, "<s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail>\(detail)</detail></s:Fault>")
        }
    }

    private func perform(_ action: String, _ arguments: [String: String]) -> Result<[(String, String)], UPnPFault> {
        let key = Key(transport: arguments["NewProtocol"] ?? "", externalPort: UInt16(arguments["NewExternalPort"] ?? "") ?? 0)
        switch action {
        case "GetExternalIPAddress":
            return .success([("NewExternalIPAddress", Self.externalAddress)])
        case "AddPortMapping", "AddAnyPortMapping":
            let entry = Entry(
                internalClient: arguments["NewInternalClient"] ?? "", internalPort: UInt16(arguments["NewInternalPort"] ?? "") ?? 0,
                description: arguments["NewPortMappingDescription"] ?? "", lease: UInt32(arguments["NewLeaseDuration"] ?? "") ?? 0)
            if permanentLeasesOnly && entry.lease != 0 { return .failure(UPnPFault(code: 725, errorDescription: "OnlyPermanentLeasesSupported")) }
            return state.withLockedValue { state in
                var key = key
                if let existing = state.mappings[key], existing.internalClient != entry.internalClient || existing.internalPort != entry.internalPort {
                    guard action == "AddAnyPortMapping" else { return .failure(UPnPFault(code: 718, errorDescription: "ConflictInMappingEntry")) }
                    while state.mappings[key] != nil { key.externalPort += 1 }
                }
                state.mappings[key] = entry
                return .success(action == "AddAnyPortMapping" ? [("NewReservedPort", "\(key.externalPort)")] : [])
            }
        case "DeletePortMapping":
            return state.withLockedValue { state in
                state.mappings.removeValue(forKey: key) == nil ? .failure(UPnPFault(code: 714, errorDescription: "NoSuchEntryInArray")) : .success([])
            }
        case "GetGenericPortMappingEntry":
            let index = Int(arguments["NewPortMappingIndex"] ?? "") ?? -1
            let sorted = state.withLockedValue { $0.mappings.sorted { ($0.key.externalPort, $0.key.transport) < ($1.key.externalPort, $1.key.transport) } }
            guard sorted.indices.contains(index) else { return .failure(UPnPFault(code: 713, errorDescription: "SpecifiedArrayIndexInvalid")) }
            let (key, entry) = sorted[index]
            return .success([
                ("NewRemoteHost", ""), ("NewExternalPort", "\(key.externalPort)"), ("NewProtocol", key.transport), ("NewInternalPort", "\(entry.internalPort)"),
                ("NewInternalClient", entry.internalClient), ("NewEnabled", "1"), ("NewPortMappingDescription", XMLReader.escape(entry.description)),
                ("NewLeaseDuration", "\(entry.lease)"),
            ])
        default:
            return .failure(UPnPFault(code: 401, errorDescription: "Invalid Action"))
        }
    }

    private static func http(_ status: Int, _ bodyContent: String) -> [UInt8] {
        let body = Array(
            ("<?xml version=\"1.0\"?>\r\n<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
                + "s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\"><s:Body>\(bodyContent)</s:Body></s:Envelope>\r\n").utf8)
        let reason = status == 200 ? "OK" : "Internal Server Error"
        return Array("HTTP/1.1 \(status) \(reason)\r\nContent-Type: text/xml; charset=\"utf-8\"\r\nConnection: close\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
    }
}

/// Reads one request (head, then Content-Length bytes), answers it and closes.
final class FakeIGDHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private let igd: FakeIGD
    private var received: [UInt8] = []
    private var answered = false

    init(igd: FakeIGD) { self.igd = igd }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
        guard !answered, let headEnd = received.indices.dropLast(3).first(where: { received[$0..<($0 + 4)].elementsEqual([13, 10, 13, 10]) }) else { return }
        let lines = String(decoding: received[..<headEnd], as: UTF8.self).split(separator: "\r\n").map(String.init)
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingPrefix(" ").description
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let body = received[(headEnd + 4)...]
        guard body.count >= length else { return }
        answered = true
        let reply = igd.answer(requestLine: lines.first ?? "", soapAction: headers["soapaction"], body: Array(body.prefix(length)))
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: reply))).whenComplete { _ in loopBound.value.close(promise: nil) }
    }
}

/// Answers every M-SEARCH with the IGD's SSDP response.
final class FakeSSDPResponder: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>
    private let igd: FakeIGD

    init(igd: FakeIGD) { self.igd = igd }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard String(buffer: envelope.data).hasPrefix("M-SEARCH * HTTP/1.1") else { return }
        igd.state.withLockedValue { $0.searches += 1 }
        context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: igd.ssdpAnswer))), promise: nil)
    }
}
