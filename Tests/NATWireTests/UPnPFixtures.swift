/// Hand-written UPnP documents laid out as the UPnP Device Architecture 1.1 and IGD:1 specs
/// show them (and as miniupnpd serves them): not captures.
enum UPnPFixtures {
    /// An IGD:1 root device → WANDevice:1 → WANConnectionDevice:1 → WANIPConnection:1 at
    /// /ctl/IPConn, with the Layer3Forwarding and WANCommonInterfaceConfig services around it.
    static let igd1Description = """
        <?xml version="1.0"?>
        <root xmlns="urn:schemas-upnp-org:device-1-0" configId="1337">
        <specVersion><major>1</major><minor>1</minor></specVersion>
        <device>
        <deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType>
        <friendlyName>Lab router &amp; gateway</friendlyName>
        <manufacturer>natctl lab</manufacturer>
        <modelName>miniupnpd-like IGD</modelName>
        <UDN>uuid:3c4b2a10-0000-4000-8000-000000000001</UDN>
        <serviceList>
        <service>
        <serviceType>urn:schemas-upnp-org:service:Layer3Forwarding:1</serviceType>
        <serviceId>urn:upnp-org:serviceId:L3Forwarding1</serviceId>
        <SCPDURL>/L3F.xml</SCPDURL><controlURL>/ctl/L3F</controlURL><eventSubURL>/evt/L3F</eventSubURL>
        </service>
        </serviceList>
        <deviceList>
        <device>
        <deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType>
        <friendlyName>WANDevice</friendlyName>
        <UDN>uuid:3c4b2a10-0000-4000-8000-000000000002</UDN>
        <serviceList>
        <service>
        <serviceType>urn:schemas-upnp-org:service:WANCommonInterfaceConfig:1</serviceType>
        <serviceId>urn:upnp-org:serviceId:WANCommonIFC1</serviceId>
        <SCPDURL>/WANCfg.xml</SCPDURL><controlURL>/ctl/CmnIfCfg</controlURL><eventSubURL>/evt/CmnIfCfg</eventSubURL>
        </service>
        </serviceList>
        <deviceList>
        <device>
        <deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:1</deviceType>
        <friendlyName>WANConnectionDevice</friendlyName>
        <UDN>uuid:3c4b2a10-0000-4000-8000-000000000003</UDN>
        <serviceList>
        <service>
        <serviceType>urn:schemas-upnp-org:service:WANIPConnection:1</serviceType>
        <serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId>
        <SCPDURL>/WANIPCn.xml</SCPDURL>
        <controlURL>/ctl/IPConn</controlURL>
        <eventSubURL>/evt/IPConn</eventSubURL>
        </service>
        </serviceList>
        </device>
        </deviceList>
        </device>
        </deviceList>
        <presentationURL>http://192.168.1.1/</presentationURL>
        </device>
        </root>
        """

    static let getExternalIPAddressResponse = """
        <?xml version="1.0"?>
        <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">\
        <s:Body><u:GetExternalIPAddressResponse xmlns:u="urn:schemas-upnp-org:service:WANIPConnection:1">\
        <NewExternalIPAddress>203.0.113.7</NewExternalIPAddress></u:GetExternalIPAddressResponse></s:Body></s:Envelope>
        """

    static func fault(code: Int, description: String) -> String {
        """
        <?xml version="1.0"?>
        <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">\
        <s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail>\
        <UPnPError xmlns="urn:schemas-upnp-org:control-1-0"><errorCode>\(code)</errorCode>\
        <errorDescription>\(description)</errorDescription></UPnPError></detail></s:Fault></s:Body></s:Envelope>
        """
    }
}
