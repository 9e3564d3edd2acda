/*===- safepoint/abi.h - Safepoint runtime ABI ------------------*- C -*-===*
 *
 * The contract between instrumented code and the runtime. Plain C so that
 * the plugin (LLVM's C++17) and the runtime (C++20) share it verbatim. The
 * names themselves live in abi.def; docs/abi.md describes the protocol.
 *
 *===--------------------------------------------------------------------===*/
#ifndef SAFEPOINT_ABI_H
#define SAFEPOINT_ABI_H

#include <stdint.h>

/* Bump on any incompatible change to abi.def or to the meaning below. */
#define SAFEPOINT_ABI_VERSION 1

/* The argument of __safepoint_poll_marker: why the frontend put a poll here. */
enum safepoint_site_kind {
  SAFEPOINT_SITE_ENTRY = 0, /* function entry (covers recursion, call chains) */
  SAFEPOINT_SITE_LOOP = 1,  /* loop back-edge: for, while, do, range-for */
  SAFEPOINT_SITE_GOTO = 2,  /* backward or computed goto */
  SAFEPOINT_SITE_CHUNK = 3, /* strip-mined loop: once per chunk of iterations */
  SAFEPOINT_SITE_KIND_COUNT = 4
};

#ifdef __cplusplus
extern "C" {
#endif

#define SAFEPOINT_ABI_TLS(Id, Name)                                            \
  extern __thread uint32_t Name __attribute__((tls_model("initial-exec")));
#define SAFEPOINT_ABI_DATA(Id, Name) extern const uint32_t Name;
#include "safepoint/abi.def"

void __safepoint_poll_slow(void);
/* preserve_most where the pass uses it: x86-64 (the runtime is built with
 * Clang); elsewhere a plain function the pass does not call. */
#if defined(__clang__) && defined(__x86_64__)
#define SAFEPOINT_PRESERVE_MOST __attribute__((preserve_most))
#else
#define SAFEPOINT_PRESERVE_MOST
#endif
SAFEPOINT_PRESERVE_MOST void __safepoint_poll_slow_preserve(void);
/* The slow path split in two for polls with a landing pad (docs/abi.md). */
SAFEPOINT_PRESERVE_MOST int __safepoint_poll_check_preserve(void)
#ifdef __cplusplus
    noexcept
#endif
    ;
__attribute__((noreturn)) void __safepoint_poll_raise(void);
void __safepoint_poll_marker(uint32_t kind);
void __safepoint_mask_marker(void)
#ifdef __cplusplus
    noexcept
#endif
    ;

#ifdef __cplusplus
}
#endif

#endif /* SAFEPOINT_ABI_H */
