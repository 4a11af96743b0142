/*
 * ps [-ef]: the processes. From /proc: every /proc/<pid> a process announced (its status and
 * cmdline files); and from the kernel log (dmesg's records): the processes that started and
 * have not exited, such as init, vfs and the drivers, which never announce themselves (their
 * UID shows as "-"; a process older than the log's last VK_KLOG_RECORDS events is missed).
 * With the kernel's ids for each (parent, group: process_ids; "-" while that call is not
 * there). Columns: PID PPID PGID UID CMD, where CMD is the program name, or with -f the whole
 * command line. -e (-A) is accepted: every process is always shown. Exit 0; 1 for a bad
 * option or when /proc cannot be read.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"
#include "veridian/vk.h"

struct proc {
    unsigned pid;
    char line[512];
};

static int cmp_proc(const void *a, const void *b)
{
    unsigned x = ((const struct proc *)a)->pid, y = ((const struct proc *)b)->pid;
    return (x > y) - (x < y);
}

static ssize_t read_file(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = 0;
    return n;
}

int main(int argc, char **argv)
{
    util_init(argv);
    int full = 0, c;
    while ((c = getopt(argc, argv, "efAa")) != -1) {
        if (c == 'f')
            full = 1;
        else if (c == '?')
            util_usage(1, "[-ef]");
    }
    DIR *d = opendir("/proc");
    if (!d)
        util_die(1, "/proc: %s", strerror(errno));
    size_t n = 0, cap = 32;
    struct proc *v = malloc(cap * sizeof *v);
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        unsigned long pid = strtoul(e->d_name, &end, 10);
        if (*end || end == e->d_name)
            continue;
        char path[64], status[512], cmd[400];
        snprintf(path, sizeof path, "/proc/%lu/status", pid);
        if (read_file(path, status, sizeof status) < 0)
            continue;
        char name[80] = "?";
        unsigned uid = 0;
        const char *p = strstr(status, "Name:\t");
        if (p)
            snprintf(name, sizeof name, "%.*s", (int)strcspn(p + 6, "\n"), p + 6);
        if ((p = strstr(status, "Uid:\t"))) {
            char *q;
            strtoul(p + 5, &q, 10); /* real, then effective */
            uid = (unsigned)strtoul(q, NULL, 10);
        }
        const char *shown = name;
        if (full) {
            snprintf(path, sizeof path, "/proc/%lu/cmdline", pid);
            ssize_t l = read_file(path, cmd, sizeof cmd);
            if (l > 0) {
                for (ssize_t i = 0; i < l - 1; i++)
                    if (!cmd[i])
                        cmd[i] = ' ';
                shown = cmd;
            }
        }
        struct vk_proc_ids ids;
        char ppid[16] = "-", pgid[16] = "-";
        if (vk_process_ids((uint32_t)pid, &ids) == 0) {
            snprintf(ppid, sizeof ppid, "%u", ids.ppid);
            snprintf(pgid, sizeof pgid, "%u", ids.pgid);
        }
        if (n == cap && !(v = realloc(v, (cap *= 2) * sizeof *v)))
            util_die(1, "out of memory");
        v[n].pid = (unsigned)pid;
        snprintf(v[n].line, sizeof v[n].line, "%5lu %5s %5s %5u %s", pid, ppid, pgid, uid, shown);
        n++;
    }
    closedir(d);
    /* the kernel log: started and not exited, and not in /proc */
    struct vk_klog_record *recs = malloc(VK_KLOG_RECORDS * sizeof *recs);
    long nrec = recs ? vk_klog_read(0, recs, VK_KLOG_RECORDS) : -1;
    for (long i = 0; i < nrec; i++) {
        if (recs[i].kind != VK_KLOG_START)
            continue;
        uint32_t pid = recs[i].pid;
        int gone = 0;
        for (long j = i + 1; j < nrec && !gone; j++)
            gone = recs[j].kind == VK_KLOG_EXIT && recs[j].pid == pid;
        for (size_t k = 0; k < n && !gone; k++)
            gone = v[k].pid == pid;
        if (gone)
            continue;
        char name[VK_KLOG_TEXT + 1];
        memcpy(name, recs[i].text, VK_KLOG_TEXT);
        name[VK_KLOG_TEXT] = 0;
        const char *shown = name, *slash = strrchr(name, '/');
        if (!full && slash)
            shown = slash + 1;
        struct vk_proc_ids ids;
        char ppid[16] = "-", pgid[16] = "-", kuid[16] = "-";
        if (vk_process_ids(pid, &ids) == 0) { /* the kernel's uid: who it may signal */
            snprintf(ppid, sizeof ppid, "%u", ids.ppid);
            snprintf(pgid, sizeof pgid, "%u", ids.pgid);
            snprintf(kuid, sizeof kuid, "%u", ids.uid);
        }
        if (n == cap && !(v = realloc(v, (cap *= 2) * sizeof *v)))
            util_die(1, "out of memory");
        v[n].pid = pid;
        snprintf(v[n].line, sizeof v[n].line, "%5u %5s %5s %5s %s", pid, ppid, pgid, kuid, shown);
        n++;
    }
    free(recs);
    qsort(v, n, sizeof *v, cmp_proc);
    printf("%5s %5s %5s %5s %s\n", "PID", "PPID", "PGID", "UID", "CMD");
    for (size_t i = 0; i < n; i++)
        puts(v[i].line);
    return fflush(stdout) ? 1 : 0;
}
