#!/usr/bin/env python3
"""Hostile traffic for scripts/soak-relay.sh: datagrams with forged sources at a steady rate.

Usage: soak-flood.py SERVER_IP SECONDS RATE SPOOF_PREFIX

Sends RATE datagrams per second for SECONDS to SERVER_IP's ports 3478 and 3479, each from a
random source address in SPOOF_PREFIX (a /24, e.g. 192.0.2) and a random port, through a raw
socket (IP_HDRINCL), so the server's answers go to addresses that never asked. The mix covers
every unauthenticated request kind the server answers and every decoder it runs: random bytes,
truncated and lying STUN headers, Binding requests (bare, with empty and large PADDING, with
CHANGE-REQUEST), RFC 3489 Binding, TURN Allocate without credentials, TURN requests with junk
attributes, ChannelData for channels nobody bound, Rendezvous registrations under random
nameplates, and dial-back requests aimed at the forged source. Prints one JSON line of counts.
"""
import json
import os
import random
import socket
import struct
import sys
import time

MAGIC = 0x2112A442


def request_type(method):
    """RFC 8489 §5: the method's bits around the class bits (C0 = bit 4, C1 = bit 8), class request."""
    return (method & 0xF) | (method & 0x70) << 1 | (method & 0xF80) << 2


def stun(method_type, attributes=b"", cookie=MAGIC, tid=None):
    tid = tid or os.urandom(12)
    return struct.pack("!HHI", method_type, len(attributes), cookie) + tid + attributes


def attr(kind, value):
    pad = (4 - len(value) % 4) % 4
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * pad


def xor_address(ip, port):
    packed = socket.inet_aton(ip)
    x_port = port ^ (MAGIC >> 16)
    x_ip = bytes(a ^ b for a, b in zip(packed, struct.pack("!I", MAGIC)))
    return struct.pack("!BBH", 0, 1, x_port) + x_ip


def datagram(source_ip, source_port):
    kind = random.randrange(12)
    if kind == 0:
        return "random", os.urandom(random.randrange(1, 600)), 3478
    if kind == 1:
        return "binding", stun(0x0001), 3478
    if kind == 2:
        return "binding-empty-padding", stun(0x0001, attr(0x0026, b"")), random.choice((3478, 3479))
    if kind == 3:
        return "binding-large-padding", stun(0x0001, attr(0x0026, b"\0" * random.randrange(100, 1200))), 3478
    if kind == 4:
        return "binding-change-request", stun(0x0001, attr(0x0003, struct.pack("!I", 6))), 3478
    if kind == 5:
        return "rfc3489-binding", stun(0x0001, cookie=random.getrandbits(32)), 3479
    if kind == 6:
        return "allocate-unauthenticated", stun(0x0003, attr(0x0019, b"\x11\0\0\0")), 3478
    if kind == 7:
        junk = b"".join(attr(random.getrandbits(16), os.urandom(random.randrange(0, 40))) for _ in range(random.randrange(1, 6)))
        return "turn-junk-attributes", stun(random.choice((0x0003, 0x0004, 0x0008, 0x0009)), junk), 3478
    if kind == 8:
        length = random.randrange(0, 200)
        return "channeldata", struct.pack("!HH", random.randrange(0x4000, 0x7FFF), length) + os.urandom(length), 3478
    if kind == 9:
        body = bytearray(stun(0x0001, os.urandom(random.randrange(0, 16) * 4)))
        body[2:4] = struct.pack("!H", random.getrandbits(16))  # a length that lies
        return "lying-length", bytes(body), 3478
    if kind == 10:
        plate = str(random.randrange(100000)).encode()
        attrs = attr(0x40E0, plate) + attr(0x40E1, os.urandom(8)) + attr(0x40E3, os.urandom(8))
        return "rendezvous", stun(request_type(0x0DC), attrs), 3478
    target = attr(0x40DB, b"\x11\0\0\0" + xor_address(source_ip, random.randrange(1024, 65535)))
    return "dial-back", stun(request_type(0x0DB), target + attr(0x40DC, os.urandom(16))), 3478


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def packet(source_ip, source_port, dest_ip, dest_port, payload):
    udp_length = 8 + len(payload)
    pseudo = socket.inet_aton(source_ip) + socket.inet_aton(dest_ip) + struct.pack("!BBH", 0, 17, udp_length)
    udp = struct.pack("!HHHH", source_port, dest_port, udp_length, 0) + payload
    udp = udp[:6] + struct.pack("!H", checksum(pseudo + udp) or 0xFFFF) + udp[8:]
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_length, random.getrandbits(16), 0, 64, 17, 0,
                         socket.inet_aton(source_ip), socket.inet_aton(dest_ip))
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + udp


def main():
    server, seconds, rate, prefix = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    counts, sent_bytes = {}, 0
    start = time.monotonic()
    n = 0
    while True:
        due = start + n / rate
        now = time.monotonic()
        if now - start >= seconds:
            break
        if due > now:
            time.sleep(due - now)
        source = "%s.%d" % (prefix, random.randrange(2, 255))
        source_port = random.randrange(1024, 65535)
        kind, payload, port = datagram(source, source_port)
        raw.sendto(packet(source, source_port, server, port, payload), (server, 0))
        counts[kind] = counts.get(kind, 0) + 1
        sent_bytes += len(payload)
        n += 1
    print(json.dumps({"datagrams": n, "payload_bytes": sent_bytes, "seconds": round(time.monotonic() - start, 1), "kinds": counts}))


if __name__ == "__main__":
    main()
