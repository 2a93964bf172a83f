#ifndef NATCTL_CPCAP_SHIM_H
#define NATCTL_CPCAP_SHIM_H
#include <pcap/pcap.h>

/// pcap_dump takes its dumper as `u_char *`; this wrapper lets Swift pass the opaque handle.
static inline void natctl_pcap_dump(pcap_dumper_t *dumper, const struct pcap_pkthdr *header, const u_char *bytes) {
    pcap_dump((u_char *)dumper, header, bytes);
}
#endif
