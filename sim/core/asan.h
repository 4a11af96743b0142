/*
 * VS_ASAN is defined when vrsim is built with AddressSanitizer (gcc or clang), with ASan's
 * interface (fiber switches, poisoning) included. The kernel-stack pool, the coroutine switch
 * and the idle loop annotate for it; nothing else in vrsim may depend on it.
 */
#ifndef VS_ASAN_H
#define VS_ASAN_H

#if defined(__SANITIZE_ADDRESS__)
#define VS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VS_ASAN 1
#endif
#endif
#ifdef VS_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#endif
