/*
 * The fake platform's part of a thread (tests/unit/kernel/fakeplat/fakeplat.c): the host
 * thread that carries it. Freestanding like the kernel that includes it.
 */
#ifndef KT_FAKE_PLAT_THREAD_H
#define KT_FAKE_PLAT_THREAD_H

struct vk_plat_thread {
    void *host; /* struct fake_thread, fakeplat.c */
};

#endif
