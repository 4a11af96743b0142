/*
 * Process start-up, called by crt0 with the initial stack pointer: reads argc, argv, envp
 * and the aux vector, finds the kernel-call page (AT_VERIDIAN_KCALL: without a valid one
 * there is no way to report anything, so it executes ud2), the self word
 * (AT_VERIDIAN_SELF), the parent's pid (AT_VERIDIAN_PPID), the start handles
 * (AT_VERIDIAN_HANDLES/NHANDLES) and AT_RANDOM; registers the main thread's control block as its
 * self value; sets environ; remembers the vfs session (VK_ROLE_NSROOT, if any: vfs.c) and announces
 * the process to vfs (VFS_OP_HELLO, for /proc/<pid>); opens the fds it was given, changes to a
 * VK_ROLE_CWD directory, opens stdio; calls main and exits with its result. Nothing here allocates
 * memory: malloc starts lazily on first use.
 */
#include "libc.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define AT_NULL 0
#define AT_RANDOM 25

uintptr_t __veridian_kcall_page;
static const uint64_t no_attention;
const volatile uint64_t *__veridian_attention = &no_attention;
void *const volatile *vr_self_word;
const unsigned char *vr_at_random;
char **environ;
uint64_t vr_ppid; /* AT_VERIDIAN_PPID: 0 when the kernel gives none (PID 1) */

static const struct vk_start_handle *start_handles;
static size_t start_nhandles;

int main(int argc, char **argv, char **envp);
_Noreturn void __vr_start_c(long *sp);

const struct vk_start_handle *vr_start_handles(size_t *n)
{
    if (n)
        *n = start_nhandles;
    return start_handles;
}

uint32_t vr_start_handle(uint32_t role)
{
    for (size_t i = 0; i < start_nhandles; i++)
        if ((start_handles[i].role & ~VK_START_MOVE) == role)
            return start_handles[i].handle;
    return 0;
}

static int kcall_page_ok(uintptr_t addr)
{
    const struct vk_kcall_page *page = (const struct vk_kcall_page *)addr;

    return addr && page->magic == VK_KCALL_MAGIC && page->version == VK_KCALL_VERSION &&
           page->nr_count >= VK_NR_COUNT;
}

/* A parent that chose our cwd (posix_spawn_file_actions_addchdir_np) passes the directory
 * as VK_ROLE_CWD: change to it through a passing fd. A failure leaves the session's cwd. */
static void start_cwd(void)
{
    uint32_t h = vr_start_handle(VK_ROLE_CWD);
    if (!h || !vr_vfs_session())
        return;
    int fd = vr_fd_install(&vr_vfs_file_ops, h, 0, VR_FD_CLOEXEC);
    if (fd < 0)
        return;
    fchdir(fd);
    vr_fd_close(fd);
}

_Noreturn void __vr_start_c(long *sp)
{
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    char **envp = argv + argc + 1;
    char **e = envp;
    uintptr_t kcall = 0;

    while (*e)
        e++;
    for (uint64_t *aux = (uint64_t *)(e + 1); aux[0] != AT_NULL; aux += 2) {
        switch (aux[0]) {
        case AT_VERIDIAN_KCALL:
            kcall = (uintptr_t)aux[1];
            break;
        case AT_VERIDIAN_SELF:
            vr_self_word = (void *const volatile *)(uintptr_t)aux[1];
            break;
        case AT_VERIDIAN_HANDLES:
            start_handles = (const struct vk_start_handle *)(uintptr_t)aux[1];
            break;
        case AT_VERIDIAN_NHANDLES:
            start_nhandles = (size_t)aux[1];
            break;
        case AT_VERIDIAN_PPID:
            vr_ppid = aux[1];
            break;
        case AT_RANDOM:
            vr_at_random = (const unsigned char *)(uintptr_t)aux[1];
            break;
        default:
            break;
        }
    }
    if (!kcall_page_ok(kcall))
        __builtin_trap(); /* ud2: no kernel, so no way to report */
    __veridian_kcall_page = kcall;
    if (!start_handles)
        start_nhandles = 0;

    if (vr_self_word) {
        __veridian_attention = (const volatile uint64_t *)((uintptr_t)vr_self_word + 8);
        vk_thread_set_self(&vr_main_tcb);
    }
    environ = envp;
    vr_vfs_init();
    vr_fd_init();
    start_cwd();
    vr_vfs_hello(argv, envp);
    vr_stdio_init();
    exit(main(argc, argv, envp));
}
