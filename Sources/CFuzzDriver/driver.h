#ifndef NATCTL_CFUZZDRIVER_H
#define NATCTL_CFUZZDRIVER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's entry point for programs that keep their own main (LLVM's "Using libFuzzer as a
/// library"). SwiftPM gives every executable target a main of its own, so libFuzzer's main cannot
/// be used; the harnesses call this instead. Declared here only: the definition comes from the
/// fuzzer runtime that `-sanitize=fuzzer` links, and nothing references it in a plain build.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
