/// HTTP answers recorded from miniupnpd 2.3.1 (Debian 12, `miniupnpd-nftables`) in the natctl
/// lab with curl: the device description and two SOAP answers, byte for byte (CRLF and all).
enum MiniupnpdRecordings {
    static let rootDescription: [UInt8] = Array(
        ([
            "HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=\"utf-8\"\r\nConnection: close\r\nContent-Length: 3089\r\nServer: Debian/6.18.44-fc-v1252 UPnP/1.1 MiniUPnPd/2.3.1\r\nExt:\r\n\r\n",
            "<?xml version=\"1.0\"?>\r\n<root xmlns=\"urn:schemas-upnp-org:device-1-0\" configId=\"1337\"><specVersion>",
            "<major>1</major><minor>1</minor></specVersion><device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:2</deviceType>",
            "<friendlyName>Debian router</friendlyName><manufacturer>Debian</manufacturer><manufacturerURL>",
            "http://www.debian.org/</manufacturerURL><modelDescription>Debian router</modelDescription><modelName>",
            "Debian router</modelName><modelNumber>1</modelNumber><modelURL>http://www.debian.org/</modelURL>",
            "<serialNumber>00000000</serialNumber><UDN>uuid:3d3cec3a-8cf0-11e0-98ee-001a6bd2d07b</UDN><serviceList>",
            "<service><serviceType>urn:schemas-upnp-org:service:Layer3Forwarding:1</serviceType><serviceId>",
            "urn:upnp-org:serviceId:L3Forwarding1</serviceId><SCPDURL>/L3F.xml</SCPDURL><controlURL>/ctl/L3F</controlURL>",
            "<eventSubURL>/evt/L3F</eventSubURL></service><service><serviceType>urn:schemas-upnp-org:service:DeviceProtection:1</serviceType>",
            "<serviceId>urn:upnp-org:serviceId:DeviceProtection1</serviceId><SCPDURL>/DP.xml</SCPDURL><controlURL>",
            "/ctl/DP</controlURL><eventSubURL>/evt/DP</eventSubURL></service></serviceList><deviceList><device>",
            "<deviceType>urn:schemas-upnp-org:device:WANDevice:2</deviceType><friendlyName>WANDevice</friendlyName>",
            "<manufacturer>MiniUPnP</manufacturer><manufacturerURL>http://miniupnp.free.fr/</manufacturerURL>",
            "<modelDescription>WAN Device</modelDescription><modelName>WAN Device</modelName><modelNumber>",
            "20221221</modelNumber><modelURL>http://miniupnp.free.fr/</modelURL><serialNumber>00000000</serialNumber>",
            "<UDN>uuid:3d3cec3a-8cf0-11e0-98ee-001a6bd2d07c</UDN><UPC>000000000000</UPC><serviceList><service>",
            "<serviceType>urn:schemas-upnp-org:service:WANCommonInterfaceConfig:1</serviceType><serviceId>",
            "urn:upnp-org:serviceId:WANCommonIFC1</serviceId><SCPDURL>/WANCfg.xml</SCPDURL><controlURL>/ctl/CmnIfCfg</controlURL>",
            "<eventSubURL>/evt/CmnIfCfg</eventSubURL></service></serviceList><deviceList><device><deviceType>",
            "urn:schemas-upnp-org:device:WANConnectionDevice:2</deviceType><friendlyName>WANConnectionDevice</friendlyName>",
            "<manufacturer>MiniUPnP</manufacturer><manufacturerURL>http://miniupnp.free.fr/</manufacturerURL>",
            "<modelDescription>MiniUPnP daemon</modelDescription><modelName>MiniUPnPd</modelName><modelNumber>",
            "20221221</modelNumber><modelURL>http://miniupnp.free.fr/</modelURL><serialNumber>00000000</serialNumber>",
            "<UDN>uuid:3d3cec3a-8cf0-11e0-98ee-001a6bd2d07d</UDN><UPC>000000000000</UPC><serviceList><service>",
            "<serviceType>urn:schemas-upnp-org:service:WANIPConnection:2</serviceType><serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId>",
            "<SCPDURL>/WANIPCn.xml</SCPDURL><controlURL>/ctl/IPConn</controlURL><eventSubURL>/evt/IPConn</eventSubURL>",
            "</service><service><serviceType>urn:schemas-upnp-org:service:WANIPv6FirewallControl:1</serviceType>",
            "<serviceId>urn:upnp-org:serviceId:WANIPv6Firewall1</serviceId><SCPDURL>/WANIP6FC.xml</SCPDURL>",
            "<controlURL>/ctl/IP6FCtl</controlURL><eventSubURL>/evt/IP6FCtl</eventSubURL></service></serviceList>",
            "</device></deviceList></device></deviceList><presentationURL>http://10.0.1.1/</presentationURL>",
            "</device></root>",
        ] as [String]).joined().utf8)
    static let externalAddressAnswer: [UInt8] = Array(
        ([
            "HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=\"utf-8\"\r\nConnection: close\r\nContent-Length: 358\r\nServer: Debian/6.18.44-fc-v1252 UPnP/1.1 MiniUPnPd/2.3.1\r\nExt:\r\n\r\n",
            "<?xml version=\"1.0\"?>\r\n<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\">",
            "<s:Body><u:GetExternalIPAddressResponse xmlns:u=\"urn:schemas-upnp-org:service:WANIPConnection:1\">",
            "<NewExternalIPAddress>203.0.113.11</NewExternalIPAddress></u:GetExternalIPAddressResponse></s:Body>",
            "</s:Envelope>\r\n",
        ] as [String]).joined().utf8)
    static let arrayIndexFault: [UInt8] = Array(
        ([
            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/xml; charset=\"utf-8\"\r\nConnection: close\r\nContent-Length: 410\r\nServer: Debian/6.18.44-fc-v1252 UPnP/1.1 MiniUPnPd/2.3.1\r\nExt:\r\n\r\n",
            "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" s:encodingStyle=\"http://schemas.xmlsoap.org/soap/encoding/\">",
            "<s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail>",
            "<UPnPError xmlns=\"urn:schemas-upnp-org:control-1-0\"><errorCode>713</errorCode><errorDescription>",
            "SpecifiedArrayIndexInvalid</errorDescription></UPnPError></detail></s:Fault></s:Body></s:Envelope>",
        ] as [String]).joined().utf8)
}
