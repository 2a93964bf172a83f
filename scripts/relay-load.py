#!/usr/bin/env python3
"""One TURN client's relayed traffic in four one-way phases, for scripts/bench-relay-instructions.sh.

Usage: relay-load.py SERVER_PORT PACKETS RATE SIZE [--callgrind PID] [--user U --password P]

Allocates on the TURN server at 127.0.0.1:SERVER_PORT (long-term credentials, RFC 8656), binds
channel 0x4000 to one peer socket and gives a second peer socket a permission without a
channel, then runs each phase for PACKETS datagrams of SIZE payload bytes at RATE per second:

  channel-to-peer     ChannelData in from the client, a datagram out to the peer
  channel-from-peer   a datagram in from the peer, ChannelData out to the client
  send-to-peer        a Send indication in, a datagram out to the second peer
  data-from-peer      a datagram in from the second peer, a Data indication out
  idle                nothing sent for as long as one phase took (the server's own timers)

Each phase is one-way, so the server's cost of one direction is what the phase costs. With
--callgrind PID (a server running under `valgrind --tool=callgrind`), the script zeroes the
server's counters before a phase and dumps them after it, so each dump holds exactly one
phase's instructions. Prints one JSON line per phase: packets sent and relayed, seconds, and
the dump's instruction total when there is one.

Bounded: every wait has a deadline; a phase ends 5 s after its last send at the latest.
"""
import argparse
import glob
import hashlib
import hmac
import json
import os
import socket
import struct
import subprocess
import sys
import time

MAGIC = 0x2112A442
ALLOCATE, CHANNEL_BIND, CREATE_PERMISSION, SEND_INDICATION = 0x003, 0x009, 0x008, 0x016
CHANNEL = 0x4000


def attr(kind, value):
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * ((4 - len(value) % 4) % 4)


def xor_address(ip, port):
    x_ip = bytes(a ^ b for a, b in zip(socket.inet_aton(ip), struct.pack("!I", MAGIC)))
    return struct.pack("!BBH", 0, 1, port ^ (MAGIC >> 16)) + x_ip


def parse_xor_address(value):
    port = struct.unpack("!H", value[2:4])[0] ^ (MAGIC >> 16)
    ip = socket.inet_ntoa(bytes(a ^ b for a, b in zip(value[4:8], struct.pack("!I", MAGIC))))
    return ip, port


def attributes(message):
    found, offset = {}, 20
    while offset + 4 <= len(message):
        kind, length = struct.unpack("!HH", message[offset:offset + 4])
        found.setdefault(kind, message[offset + 4:offset + 4 + length])
        offset += 4 + length + (4 - length % 4) % 4
    return found


class Client:
    def __init__(self, port, user, password):
        self.server = ("127.0.0.1", port)
        self.user, self.password = user, password
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.realm = self.nonce = None

    def message(self, kind, body, signed):
        tid = os.urandom(12)
        if signed:
            body += attr(0x0006, self.user.encode()) + attr(0x0014, self.realm) + attr(0x0015, self.nonce)
            key = hashlib.md5(f"{self.user}:{self.realm.decode()}:{self.password}".encode()).digest()
            header = struct.pack("!HHI", kind, len(body) + 24, MAGIC) + tid
            body += attr(0x0008, hmac.new(key, header + body, hashlib.sha1).digest())
        return struct.pack("!HHI", kind, len(body), MAGIC) + tid + body, tid

    def transact(self, kind, body):
        """A request, answered 401 once for the nonce; returns the success response's attributes."""
        for _ in range(3):
            request, tid = self.message(kind, body, signed=self.realm is not None)
            self.sock.settimeout(2)
            self.sock.sendto(request, self.server)
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline:
                answer = self.sock.recv(4096)
                if answer[8:20] != tid:
                    continue
                found = attributes(answer)
                if struct.unpack("!H", answer[:2])[0] & 0x0110 == 0x0100:  # success response class
                    return found
                code = found.get(0x0009, b"\0\0\0\0")
                if code[2] * 100 + code[3] in (401, 438) and 0x0015 in found:
                    self.realm, self.nonce = found.get(0x0014, self.realm), found[0x0015]
                    break
                sys.exit(f"relay-load: request {kind:#x} refused: {code[2] * 100 + code[3]} {code[4:].decode(errors='replace')}")
        sys.exit(f"relay-load: request {kind:#x} got no success")


def drain(sock):
    """How many datagrams were waiting on `sock` (non-blocking)."""
    got = 0
    try:
        while True:
            sock.recv(4096, socket.MSG_DONTWAIT)
            got += 1
    except BlockingIOError:
        return got


def paced(send, receiver, packets, rate):
    """Sends `packets` datagrams in bursts of up to 8, at `rate` per second on average, reading
    what arrives between bursts (a receive buffer could not hold a whole phase); returns how many
    arrived, waiting up to 5 s after the last send for the rest."""
    burst, got = 8, 0
    start = time.monotonic()
    for first in range(0, packets, burst):
        for _ in range(min(burst, packets - first)):
            send()
        got += drain(receiver)
        wait = start + (first + burst) / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
    deadline = time.monotonic() + 5
    while got < packets and time.monotonic() < deadline:
        time.sleep(0.005)
        got += drain(receiver)
    return got


def callgrind(command, pid):
    if pid:
        subprocess.run(["callgrind_control", command, str(pid)], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60)


def last_dump_total(pid, before):
    files = sorted(set(glob.glob(f"callgrind.out.{pid}*")) - before, key=os.path.getmtime)
    if not files:
        return None
    for line in open(files[-1]):
        if line.startswith(("totals:", "summary:")):
            return int(line.split()[1])
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("packets", type=int)
    parser.add_argument("rate", type=int)
    parser.add_argument("size", type=int)
    parser.add_argument("--callgrind", type=int, default=0)
    parser.add_argument("--user", default="bench")
    parser.add_argument("--password", default="bench")
    args = parser.parse_args()

    client = Client(args.port, args.user, args.password)
    found = client.transact(ALLOCATE, attr(0x0019, struct.pack("!BBBB", 17, 0, 0, 0)))
    relayed = parse_xor_address(found[0x0016])
    peers = []
    for _ in range(2):
        peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        peer.bind(("127.0.0.1", 0))
        peers.append(peer)
    channel_peer, indication_peer = peers
    client.transact(CHANNEL_BIND, attr(0x000C, struct.pack("!HH", CHANNEL, 0)) + attr(0x0012, xor_address(*channel_peer.getsockname())))
    client.transact(CREATE_PERMISSION, attr(0x0012, xor_address(*indication_peer.getsockname())))
    payload = os.urandom(args.size)
    channel_data = struct.pack("!HH", CHANNEL, args.size) + payload
    send_indication = (struct.pack("!HHI", SEND_INDICATION, 0, MAGIC) + os.urandom(12)
                       + attr(0x0012, xor_address(*indication_peer.getsockname())) + attr(0x0013, payload))
    send_indication = send_indication[:2] + struct.pack("!H", len(send_indication) - 20) + send_indication[4:]

    phases = [
        ("channel-to-peer", lambda: client.sock.sendto(channel_data, client.server), channel_peer),
        ("channel-from-peer", lambda: channel_peer.sendto(payload, relayed), client.sock),
        ("send-to-peer", lambda: client.sock.sendto(send_indication, client.server), indication_peer),
        ("data-from-peer", lambda: indication_peer.sendto(payload, relayed), client.sock),
    ]
    seconds = args.packets / args.rate
    client.sock.settimeout(None)  # blocking again: drain() reads with MSG_DONTWAIT
    for name, send, receiver in phases + [("idle", None, None)]:
        before = set(glob.glob(f"callgrind.out.{args.callgrind}*"))
        callgrind("-z", args.callgrind)
        start = time.monotonic()
        relayed_count = 0
        drain(client.sock)
        if send:
            relayed_count = paced(send, receiver, args.packets, args.rate)
        else:
            time.sleep(seconds)
        elapsed = time.monotonic() - start
        callgrind("-d", args.callgrind)
        print(json.dumps({"phase": name, "size": args.size, "sent": args.packets if send else 0, "relayed": relayed_count,
                          "seconds": round(elapsed, 3), "instructions": last_dump_total(args.callgrind, before)}), flush=True)


if __name__ == "__main__":
    main()
