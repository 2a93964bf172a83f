/// HTTP/1.1 requests to a gateway: the device description GET and SOAP control POSTs
/// (UDA 1.1 §3.2.1). Each closes its connection, so a response without a length still ends.
public enum HTTPRequest {
    static let userAgent = "natctl UPnP/1.1"

    /// `GET path` with Host, User-Agent and `Connection: close`.
    public static func get(_ url: HTTPURL) -> [UInt8] {
        let head = "GET \(url.path) HTTP/1.1\r\nHost: \(url.authority)\r\nUser-Agent: \(userAgent)\r\nAccept: text/xml, application/xml, */*\r\nConnection: close\r\n\r\n"
        return Array(head.utf8)
    }

    /// A SOAP action POST: the envelope with its `SOAPAction: "serviceType#Action"` header.
    public static func soapPost(_ url: HTTPURL, _ request: SOAPRequest) -> [UInt8] {
        let body = Array(request.envelope.utf8)
        let head = "POST \(url.path) HTTP/1.1\r\nHost: \(url.authority)\r\nUser-Agent: \(userAgent)\r\n"
            + "Content-Type: text/xml; charset=\"utf-8\"\r\nSOAPAction: \(request.soapActionHeader)\r\n"
            + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + body
    }
}
