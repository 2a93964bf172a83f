#define _GNU_SOURCE
#include <stddef.h>
#include <sys/socket.h>
#include "CRelaySockets.h"

_Static_assert(sizeof(natctl_mmsghdr) == sizeof(struct mmsghdr), "natctl_mmsghdr must match struct mmsghdr");
_Static_assert(offsetof(natctl_mmsghdr, msg_len) == offsetof(struct mmsghdr, msg_len), "msg_len offset");

int natctl_recvmmsg(int fd, natctl_mmsghdr *messages, unsigned int count, int flags) {
    return recvmmsg(fd, (struct mmsghdr *)messages, count, flags, NULL);
}

int natctl_sendmmsg(int fd, natctl_mmsghdr *messages, unsigned int count, int flags) {
    return sendmmsg(fd, (struct mmsghdr *)messages, count, flags);
}

#include <pthread.h>

void natctl_name_thread(const char *name) {
    char shortened[16];
    int i = 0;
    for (; name[i] != 0 && i < 15; i++) shortened[i] = name[i];
    shortened[i] = 0;
    pthread_setname_np(pthread_self(), shortened);
}
