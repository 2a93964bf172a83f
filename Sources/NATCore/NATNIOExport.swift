// NATCore's users (the commands, the lab, tests) get the shared NIO glue with it: socket
// address and duration conversions and the stream framing live in NATNIO, so that NATServer
// can use them without depending on the client engine.
@_exported import NATNIO
