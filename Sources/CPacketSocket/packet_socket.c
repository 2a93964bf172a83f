#include "CPacketSocket.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

int natctl_attach_filter(int fd, const struct sock_filter *instructions, unsigned short count) {
    struct sock_fprog program = {.len = count, .filter = (struct sock_filter *)instructions};
    return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof(program));
}

int natctl_bind_packet_socket(int fd, unsigned short protocol) {
    struct sockaddr_ll address;
    memset(&address, 0, sizeof(address));
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(protocol);
    address.sll_ifindex = 0;
    return bind(fd, (struct sockaddr *)&address, sizeof(address));
}

int natctl_packet_type(const struct sockaddr_ll *address) { return address->sll_pkttype; }
