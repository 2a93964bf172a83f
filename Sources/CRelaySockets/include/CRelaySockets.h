// The Linux calls the relay threads use that Swift's Glibc module does not export: epoll,
// eventfd, recvmmsg/sendmmsg (declared only under _GNU_SOURCE, so wrapped in relay_sockets.c
// with a struct laid out as the kernel's struct mmsghdr) and naming the current thread.
#ifndef NATCTL_CRELAYSOCKETS_H
#define NATCTL_CRELAYSOCKETS_H

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

typedef struct {
    struct msghdr msg_hdr;
    unsigned int msg_len;
} natctl_mmsghdr;

int natctl_recvmmsg(int fd, natctl_mmsghdr *messages, unsigned int count, int flags);
int natctl_sendmmsg(int fd, natctl_mmsghdr *messages, unsigned int count, int flags);

/// Names the calling thread (at most 15 bytes are kept), as top, ps -L and /proc show it.
void natctl_name_thread(const char *name);

#endif
