/*
 * fsconc [WORKERS] [ROUNDS]: several processes work in one directory at once: each round a
 * worker creates a file, writes its name into it, appends a line to a shared log
 * (O_APPEND), and renames its file. Afterwards the parent checks that nothing written was
 * lost or torn and that the directory is consistent. Run it under --chaos.
 *   fsconc worker ID ROUNDS   (what the parent spawns)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include "veridian/vk.h"

#define DIR_ "/tmp/fsconc"

/* "PREFIXid-i": 0 and the two numbers, or -1 (there is no sscanf in libveridian yet). */
static int parse_name(const char *s, const char *prefix, int *id, int *i)
{
    size_t pl = strlen(prefix);
    if (strncmp(s, prefix, pl))
        return -1;
    char *end;
    long a = strtol(s + pl, &end, 10);
    if (end == s + pl || *end != '-')
        return -1;
    const char *q = end + 1;
    long b = strtol(q, &end, 10);
    if (end == q || (*end && *end != '\n'))
        return -1;
    *id = (int)a;
    *i = (int)b;
    return 0;
}

static int worker(int id, int rounds)
{
    for (int i = 0; i < rounds; i++) {
        char tmp[64], done[64], line[64];
        snprintf(tmp, sizeof tmp, DIR_ "/w%d-%d", id, i);
        snprintf(done, sizeof done, DIR_ "/done-w%d-%d", id, i);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0)
            return 10;
        int n = snprintf(line, sizeof line, "w%d-%d\n", id, i);
        if (write(fd, line, (size_t)n) != n || close(fd))
            return 11;
        int log = open(DIR_ "/log", O_WRONLY | O_APPEND);
        if (log < 0 || write(log, line, (size_t)n) != n || close(log))
            return 12;
        if (rename(tmp, done))
            return 13;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "worker"))
        return worker(atoi(argv[2]), atoi(argv[3]));
    int workers = argc > 1 ? atoi(argv[1]) : 4, rounds = argc > 2 ? atoi(argv[2]) : 20;
    if (workers < 1 || workers > 16 || rounds < 1 || rounds > 500)
        return 2;
    if (mkdir(DIR_, 0755) || close(open(DIR_ "/log", O_WRONLY | O_CREAT, 0644))) {
        perror("fsconc: setup");
        return 1;
    }
    uint32_t procs[16];
    for (int w = 0; w < workers; w++) {
        char id[8], r[8];
        snprintf(id, sizeof id, "%d", w);
        snprintf(r, sizeof r, "%d", rounds);
        const char *av[] = {"/test/fsconc", "worker", id, r, NULL};
        if (vr_spawn_image("/test/fsconc", av, NULL, NULL, 0, &procs[w])) {
            printf("fsconc: spawn failed\n");
            return 1;
        }
    }
    int bad = 0;
    for (int w = 0; w < workers; w++) {
        struct vk_wait wt = {.handle = procs[w], .mask = VK_SIG_EXITED};
        vk_wait_many(&wt, 1, VK_DEADLINE_NEVER);
        struct vk_proc_info pi;
        vk_process_info(procs[w], &pi);
        if (pi.exit_code) {
            printf("fsconc: worker %d exited with %d\n", w, pi.exit_code);
            bad++;
        }
    }
    /* the log: every line once, none torn */
    static char log[65536];
    int fd = open(DIR_ "/log", O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, log, sizeof log - 1) : -1;
    close(fd);
    if (n < 0) {
        printf("fsconc: cannot read the log\n");
        return 1;
    }
    log[n] = 0;
    int lines = 0;
    static unsigned char seen[16][500];
    for (char *p = log, *e; *p; p = e + 1) {
        e = strchr(p, '\n');
        int id, i;
        if (!e || parse_name(p, "w", &id, &i) || id < 0 || id >= workers || i < 0 || i >= rounds ||
            seen[id][i]++) {
            printf("fsconc: bad log line at %d\n", (int)(p - log));
            bad++;
            break;
        }
        lines++;
    }
    /* the directory: every file renamed, with its own content */
    DIR *d = opendir(DIR_);
    int done = 0, other = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !strcmp(de->d_name, "log"))
            continue;
        int id, i;
        if (!parse_name(de->d_name, "done-w", &id, &i)) {
            char path[300], buf[64], want[64];
            snprintf(path, sizeof path, DIR_ "/%s", de->d_name);
            int f = open(path, O_RDONLY);
            ssize_t m = f >= 0 ? read(f, buf, sizeof buf - 1) : -1;
            close(f);
            snprintf(want, sizeof want, "w%d-%d\n", id, i);
            if (m != (ssize_t)strlen(want) || memcmp(buf, want, (size_t)m))
                bad++;
            done++;
        } else {
            other++;
        }
    }
    if (d)
        closedir(d);
    printf("fsconc: %d workers x %d rounds: %d log lines, %d files, %d strays, %d problems\n",
           workers, rounds, lines, done, other, bad);
    return bad || lines != workers * rounds || done != workers * rounds || other;
}
