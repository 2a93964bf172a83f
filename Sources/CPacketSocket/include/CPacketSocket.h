// Linux packet sockets and classic BPF, for reading datagrams sent to a UDP port that another
// process (WireGuard) owns: Swift's Glibc module exports neither sockaddr_ll nor sock_filter.
#ifndef NATCTL_CPACKETSOCKET_H
#define NATCTL_CPACKETSOCKET_H

#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdint.h>

/// Attaches `count` classic BPF instructions to `fd` (SO_ATTACH_FILTER); 0 or -1 with errno.
int natctl_attach_filter(int fd, const struct sock_filter *instructions, unsigned short count);

/// Binds a packet socket to every interface for `protocol` (host order, e.g. ETH_P_ALL).
int natctl_bind_packet_socket(int fd, unsigned short protocol);

/// The packet type of a received frame's address (PACKET_HOST, PACKET_OUTGOING, ...).
int natctl_packet_type(const struct sockaddr_ll *address);

#endif
