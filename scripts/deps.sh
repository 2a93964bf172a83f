#!/usr/bin/env bash
# Installs the Debian packages natctl needs to build and test, only those missing.
#   libpcap-dev, pkg-config: the CPcap system-library target
#   coturn: the interop peer for tests (turnserver, turnutils_stunclient)
#   jq: the README and demo pipe --json through it
#   iproute2, nftables: natctl lab (namespaces, veths, NAT rules)
#   ethtool: natctl lab --delay (veth offloads off for the userspace wire)
#   tcpdump: the trace tests read captures tcpdump made
#   stun-server: Debian's stund, the classic RFC 3489 server classify and probe are tested against
#   wireguard-go, wireguard-tools: the trace tests capture a real WireGuard handshake (no kernel module here)
#   python3-jsonschema: scripts/check-schemas.py validates every --json document against docs/schema/
#   miniupnpd-nftables: the lab's portmap routers (UPnP IGD, NAT-PMP, PCP); miniupnpc (upnpc) and
#     natpmpc: independent witnesses in the port-mapping lab tests
#   valgrind: scripts/bench-relay-instructions.sh counts the relay's instructions with callgrind
set -euo pipefail
packages=(libpcap-dev pkg-config coturn openssl jq iproute2 nftables ethtool tcpdump stun-server wireguard-go wireguard-tools iputils-ping python3-jsonschema miniupnpd-nftables miniupnpc natpmpc valgrind)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "natctl needs these Debian packages: ${missing[*]}; run 'sudo apt-get install ${missing[*]}' or run make as root" >&2
    exit 1
  fi
  echo "installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# py-libp2p 0.8.1 from PyPI, in a venv of its own outside the checkout (kept between runs): the
# libp2p node the lab tests dial (scripts/libp2p-node.py). NATCTL_LIBP2P_VENV moves it.
venv=${NATCTL_LIBP2P_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/natctl/libp2p-venv}
if ! "$venv/bin/python" -c 'import libp2p, trio, multiaddr' 2>/dev/null; then
  echo "installing py-libp2p 0.8.1 into $venv" >&2
  python3 -m venv --clear "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check libp2p==0.8.1
fi
