#!/usr/bin/env python3
"""A py-libp2p node for natctl's lab tests and for trying natctl by hand.

It listens on TCP (Noise, yamux, identify, as py-libp2p's new_host sets them up) with a fresh
Ed25519 identity, prints its full multiaddr (ending /p2p/PEER_ID) on stdout once it accepts
connections, and runs until it is signalled (SIGTERM, SIGINT). Run it with the venv
scripts/deps.sh makes (~/.cache/natctl/libp2p-venv unless NATCTL_LIBP2P_VENV says otherwise):

    ~/.cache/natctl/libp2p-venv/bin/python scripts/libp2p-node.py 203.0.113.5 4001

Arguments: IP PORT [--autonat]. With --autonat the node also serves AutoNAT v1
(/libp2p/autonat/1.0.0, py-libp2p's AutoNATService); note that py-libp2p 0.8.1 "dials back"
with host.connect, which reuses the connection the asking peer made, so it answers OK without
a new connection. Exit status: 2 on bad arguments; otherwise it runs until signalled.
"""
import sys

import trio
from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.host.autonat import AutoNATService
from multiaddr import Multiaddr


async def serve(ip: str, port: int, autonat: bool) -> None:
    host = new_host(key_pair=create_new_key_pair())
    if autonat:
        AutoNATService(host)  # registers /libp2p/autonat/1.0.0 on the host
    listen = Multiaddr(f"/ip4/{ip}/tcp/{port}")
    async with host.run(listen_addrs=[listen]):
        # host.run returns before its listener is bound: announce only once a connection works.
        with trio.fail_after(10):
            while True:
                try:
                    probe = await trio.open_tcp_stream(ip, port)
                    await probe.aclose()
                    break
                except OSError:
                    await trio.sleep(0.05)
        print(f"{listen}/p2p/{host.get_id()}", flush=True)
        await trio.sleep_forever()


def main() -> int:
    args = sys.argv[1:]
    autonat = args[2:] == ["--autonat"]
    if len(args) not in (2, 3) or not args[1].isdigit() or (len(args) == 3 and not autonat):
        print("usage: libp2p-node.py IP PORT [--autonat]", file=sys.stderr)
        return 2
    trio.run(serve, args[0], int(args[1]), autonat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
