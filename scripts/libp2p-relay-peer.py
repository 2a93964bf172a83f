#!/usr/bin/env python3
"""A py-libp2p circuit relay v2 client for natctl's lab tests of its relay (hop) server.

It uses py-libp2p's own relay client (CircuitV2Protocol for the stop side, CircuitV2Transport
for reservations and dials), so a relay that works with it works with py-libp2p. Two modes:

    libp2p-relay-peer.py listen IP PORT RELAY_MULTIADDR
        Listens on /ip4/IP/tcp/PORT (fresh Ed25519 identity), connects to the relay
        (RELAY_MULTIADDR ends in /p2p/RELAY_ID), reserves a slot on it (hop RESERVE), accepts
        relayed connections (stop protocol) and echoes every byte on /natctl/echo/1.0.0. Once
        the reservation holds it prints one JSON line
            {"circuit": "RELAY_MULTIADDR/p2p-circuit/p2p/OWN_ID", "peer_id": ...,
             "reservation_expire": UNIX_SECONDS or null}
        and runs until signalled (SIGTERM, SIGINT), renewing the reservation at half its time.
        If the reservation fails it prints {"error": "..."} and exits 1.

    libp2p-relay-peer.py dial IP CIRCUIT_MULTIADDR BYTES
        Listens on /ip4/IP/tcp/0, dials CIRCUIT_MULTIADDR (as printed by listen) through the
        relay, sends BYTES random bytes on /natctl/echo/1.0.0, reads them back and prints one
        JSON line {"ok": true, "bytes": N, "ms": ELAPSED, "relayed": true|false}; exit 0.
        On any failure (20 s bound) it prints {"ok": false, "error": "..."} and exits 1.
        It only sends CONNECT: py-libp2p's default client (RelayConfig roles STOP|CLIENT) would
        first RESERVE a slot of its own on the relay with every dial; the stop role skips that.

Run it with the venv scripts/deps.sh makes (~/.cache/natctl/libp2p-venv unless
NATCTL_LIBP2P_VENV says otherwise):

    ~/.cache/natctl/libp2p-venv/bin/python scripts/libp2p-relay-peer.py listen 127.0.0.1 4101 \\
        /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...

Exit status: 2 on bad arguments, 1 on failure, 0 otherwise. libp2p logs go to stderr.
"""
import json
import logging
import os
import sys
import time

import trio
from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.custom_types import TProtocol
from libp2p.peer.peerinfo import info_from_p2p_addr
from libp2p.relay.circuit_v2.config import RelayConfig, RelayRole
from libp2p.relay.circuit_v2.protocol import PROTOCOL_ID as HOP_PROTOCOL_ID, CircuitV2Protocol
from libp2p.relay.circuit_v2.transport import CircuitV2Transport
from libp2p.tools.anyio_service import background_trio_service
from multiaddr import Multiaddr

ECHO = TProtocol("/natctl/echo/1.0.0")
TIMEOUT = 20


class LastWarning(logging.Handler):
    """Keeps the last warning py-libp2p's relay client logged: it reports failures only there."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.message = ""

    def emit(self, record: logging.LogRecord) -> None:
        self.message = record.getMessage()


def describe(e: BaseException) -> str:
    """The innermost errors of e, since trio wraps errors raised in nurseries in groups."""
    if isinstance(e, BaseExceptionGroup):
        return "; ".join(describe(sub) for sub in e.exceptions)
    return f"{type(e).__name__}: {e}"


def emit(obj: dict) -> None:
    print(json.dumps(obj), flush=True)


async def echo(stream) -> None:
    try:
        while True:
            try:
                data = await stream.read(65536)
            except Exception:  # MuxedStreamEOF when the dialer half-closes
                break
            if not data:
                break
            await stream.write(data)
        await stream.close()
    except Exception:
        await stream.reset()


async def wait_listening(ip: str, port: int) -> None:
    # host.run returns before its listener is bound.
    while True:
        try:
            probe = await trio.open_tcp_stream(ip, port)
            await probe.aclose()
            return
        except OSError:
            await trio.sleep(0.05)


async def reserve(host, transport: CircuitV2Transport, relay_id) -> bool:
    """One RESERVE on a fresh hop stream, as py-libp2p's client sends it; True if granted."""
    stream = await host.new_stream(relay_id, [HOP_PROTOCOL_ID])
    try:
        return await transport._make_reservation(stream, relay_id)
    finally:
        await stream.close()


async def keep_reserved(host, transport: CircuitV2Transport, relay_id) -> None:
    """Renews the reservation at half its remaining time.

    Not transport.reserve's refresher: in py-libp2p 0.8.1 that one re-reserves in a tight loop
    (hundreds of RESERVEs a second) whenever the relay grants less than 30 s.
    """
    while expire := transport._reservations.get(relay_id):
        await trio.sleep(max(1.0, (expire - time.time()) / 2))
        try:
            with trio.fail_after(TIMEOUT):
                if not await reserve(host, transport, relay_id):
                    print("reservation refresh refused", file=sys.stderr, flush=True)
        except Exception as e:
            print(f"reservation refresh failed: {describe(e)}", file=sys.stderr, flush=True)
    await trio.sleep_forever()  # no expiry from the relay: nothing to renew


async def listen(ip: str, port: int, relay_arg: str) -> int:
    warnings = LastWarning()
    logging.getLogger("libp2p.relay.circuit_v2").addHandler(warnings)
    relay = info_from_p2p_addr(Multiaddr(relay_arg))
    host = new_host(key_pair=create_new_key_pair())
    protocol = CircuitV2Protocol(host, allow_hop=False)  # registers the stop handler
    transport = CircuitV2Transport(host, protocol, RelayConfig())
    host.set_stream_handler(ECHO, echo)
    async with host.run(listen_addrs=[Multiaddr(f"/ip4/{ip}/tcp/{port}")]):
        async with background_trio_service(protocol):
            try:
                with trio.fail_after(TIMEOUT):
                    await wait_listening(ip, port)
                    await host.connect(relay)
                    reserved = await reserve(host, transport, relay.peer_id)
            except Exception as e:
                reserved, failure = False, describe(e)
            else:
                failure = f"reservation refused: {warnings.message or 'see stderr'}"
            if not reserved:
                emit({"error": failure})
                return 1
            expire = transport._reservations.get(relay.peer_id) or None
            own = host.get_id()
            emit({"circuit": f"{relay_arg}/p2p-circuit/p2p/{own}", "peer_id": str(own),
                  "reservation_expire": expire})
            await keep_reserved(host, transport, relay.peer_id)
    return 0


async def dial(ip: str, circuit_arg: str, size: int) -> int:
    host = new_host(key_pair=create_new_key_pair())
    protocol = CircuitV2Protocol(host, allow_hop=False)
    transport = CircuitV2Transport(host, protocol, RelayConfig(roles=RelayRole.STOP))
    payload = os.urandom(size)
    async with host.run(listen_addrs=[Multiaddr(f"/ip4/{ip}/tcp/0")]):
        async with background_trio_service(protocol):
            try:
                with trio.fail_after(TIMEOUT):
                    circuit = Multiaddr(circuit_arg)
                    _, target = transport.parse_circuit_ma(circuit)
                    # Connects to the relay, sends CONNECT, runs Noise + yamux over that stream.
                    await transport.dial(circuit)
                    start = time.monotonic()
                    stream = await host.new_stream(target, [ECHO])
                    conn = stream.muxed_conn
                    relayed = any("/p2p-circuit" in str(a) for a in conn.get_transport_addresses())
                    received = bytearray()

                    async def send() -> None:
                        for i in range(0, size, 16384):
                            await stream.write(payload[i:i + 16384])
                        await stream.close()  # half-close: the echo side then closes too

                    async with trio.open_nursery() as nursery:
                        nursery.start_soon(send)
                        while len(received) < size:
                            chunk = await stream.read(65536)
                            if not chunk:
                                break
                            received += chunk
                    elapsed = (time.monotonic() - start) * 1000
                    if bytes(received) != payload:
                        raise ValueError(f"echo mismatch: sent {size} bytes, got {len(received)}")
            except Exception as e:
                emit({"ok": False, "error": describe(e)})
                return 1
            emit({"ok": True, "bytes": size, "ms": round(elapsed, 1), "relayed": relayed})
    return 0


def main() -> int:
    args = sys.argv[1:]
    if len(args) == 4 and args[0] == "listen" and args[2].isdigit():
        return trio.run(listen, args[1], int(args[2]), args[3])
    if len(args) == 4 and args[0] == "dial" and args[3].isdigit():
        return trio.run(dial, args[1], args[2], int(args[3]))
    print("usage: libp2p-relay-peer.py listen IP PORT RELAY_MULTIADDR\n"
          "       libp2p-relay-peer.py dial IP CIRCUIT_MULTIADDR BYTES", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
