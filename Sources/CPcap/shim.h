#ifndef NATCTL_CPCAP_SHIM_H
#define NATCTL_CPCAP_SHIM_H
#include <pcap/pcap.h>
#include <poll.h>

/// pcap_dump takes its dumper as `u_char *`; this wrapper lets Swift pass the opaque handle.
static inline void natctl_pcap_dump(pcap_dumper_t *dumper, const struct pcap_pkthdr *header, const u_char *bytes) {
    pcap_dump((u_char *)dumper, header, bytes);
}

#ifdef __linux__
#include <sched.h>
/// setns(2) for network namespaces: glibc declares it only under _GNU_SOURCE, which Swift's
/// Glibc module does not define. A capture socket opened after this call belongs to that
/// namespace for good, which is how one process captures on every lab namespace at once.
extern int setns(int fd, int nstype);
static inline int natctl_enter_network_namespace(int fd) { return setns(fd, 0x40000000 /* CLONE_NEWNET */); }
#endif
#endif
