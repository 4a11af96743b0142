/*
 * utilrun [-s SRCDIR -w WORKDIR] SCRIPT: the guest half of the utilities' tests
 * (tests/integration/utils). Copies SRCDIR (a tree in the boot image) to WORKDIR, changes
 * into it, and runs SCRIPT's lines one by one, each a pipeline of utilities:
 *     WORD... [< FILE] [| WORD...]... [> FILE]
 * Words are split as a shell would on this subset: blanks separate, '...' is literal,
 * "..." allows \" and \\, a backslash quotes the next character outside quotes; | < > are
 * operators only unquoted and alone. A command without '/' is /bin/NAME. Standard input is
 * /dev/null unless redirected. Blank lines and lines starting with '#' are skipped.
 * For each line it prints exactly what tests/integration/utils/host_run.sh prints for the
 * same line under bash with GNU tools:
 *     $ LINE
 *     <standard output of the pipeline>          ("[no newline]" after it when it lacks one)
 *     [stderr]                                     (only when something was written there)
 *     [exit N]                                     (the last command's status, 128+SIG when killed)
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <getopt.h>
#include <unistd.h>

#define MAXW 128
#define MAXCMD 8
#define OUT_FILE "/tmp/.utilrun.out"
#define ERR_FILE "/tmp/.utilrun.err"

struct cmd {
    char *argv[MAXW];
    int argc;
};

static int copy_tree(const char *src, const char *dst)
{
    struct stat st;
    if (stat(src, &st))
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        int in = open(src, O_RDONLY),
            out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (in < 0 || out < 0)
            return -1;
        char buf[4096];
        ssize_t n;
        while ((n = read(in, buf, sizeof buf)) > 0)
            if (write(out, buf, (size_t)n) != n)
                return -1;
        close(in);
        close(out);
        return 0;
    }
    if (mkdir(dst, 0755) && errno != EEXIST)
        return -1;
    DIR *d = opendir(src);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char s[512], t[512];
        snprintf(s, sizeof s, "%s/%s", src, e->d_name);
        snprintf(t, sizeof t, "%s/%s", dst, e->d_name);
        if (copy_tree(s, t))
            return -1;
    }
    closedir(d);
    return 0;
}

/* Splits line into words in place (into buf); quoted[i] says the word had quotes. */
static int split(const char *line, char *buf, char **words, int *quoted, int max)
{
    int n = 0;
    const char *p = line;
    char *o = buf;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '\n')
            return n;
        if (n == max)
            return -1;
        words[n] = o;
        quoted[n] = 0;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
            if (*p == '\'') {
                quoted[n] = 1;
                for (p++; *p && *p != '\''; p++)
                    *o++ = *p;
                if (!*p)
                    return -1;
                p++;
            } else if (*p == '"') {
                quoted[n] = 1;
                for (p++; *p && *p != '"'; p++) {
                    if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                        p++;
                    *o++ = *p;
                }
                if (!*p)
                    return -1;
                p++;
            } else if (*p == '\\' && p[1]) {
                quoted[n] = 1;
                *o++ = p[1];
                p += 2;
            } else {
                *o++ = *p++;
            }
        }
        *o++ = 0;
        n++;
    }
}

static int run_line(const char *line)
{
    static char buf[8192];
    char *words[MAXW * MAXCMD];
    int quoted[MAXW * MAXCMD];
    if (strlen(line) >= sizeof buf)
        return -1;
    int nw = split(line, buf, words, quoted, MAXW * MAXCMD);
    if (nw <= 0)
        return -1;
    struct cmd cmds[MAXCMD];
    int ncmd = 1;
    const char *in_file = "/dev/null", *out_file = NULL;
    memset(cmds, 0, sizeof cmds);
    for (int i = 0; i < nw; i++) {
        const char *w = words[i];
        if (!quoted[i] && !strcmp(w, "|")) {
            if (ncmd == MAXCMD)
                return -1;
            ncmd++;
        } else if (!quoted[i] && (!strcmp(w, "<") || !strcmp(w, ">")) && i + 1 < nw) {
            if (*w == '<')
                in_file = words[++i];
            else
                out_file = words[++i];
        } else {
            struct cmd *c = &cmds[ncmd - 1];
            if (c->argc + 1 >= MAXW)
                return -1;
            c->argv[c->argc++] = words[i];
        }
    }
    int out = open(out_file ? out_file : OUT_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int err = open(ERR_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int in = open(in_file, O_RDONLY | O_CLOEXEC);
    if (out < 0 || err < 0)
        return -1;
    pid_t pids[MAXCMD];
    int prev = in, status = 0;
    for (int i = 0; i < ncmd; i++) {
        int p[2] = {-1, -1};
        if (i + 1 < ncmd && pipe2(p, O_CLOEXEC))
            return -1;
        char path[256];
        const char *name = cmds[i].argv[0];
        if (!name)
            return -1;
        snprintf(path, sizeof path, strchr(name, '/') ? "%s" : "/bin/%s", name);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        if (prev >= 0)
            posix_spawn_file_actions_adddup2(&fa, prev, 0);
        else
            posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, i + 1 < ncmd ? p[1] : out, 1);
        posix_spawn_file_actions_adddup2(&fa, err, 2);
        if (p[0] >= 0)
            posix_spawn_file_actions_addclose(&fa, p[0]);
        int rc = posix_spawn(&pids[i], path, &fa, NULL, cmds[i].argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        if (rc) {
            pids[i] = -1;
            dprintf(err, "utilrun: %s: %s\n", path, strerror(rc));
            status = rc == ENOENT ? 127 : 126;
        }
        if (prev >= 0)
            close(prev);
        if (p[1] >= 0)
            close(p[1]);
        prev = p[0];
    }
    if (prev >= 0)
        close(prev);
    close(out);
    close(err);
    for (int i = 0; i < ncmd; i++) {
        if (pids[i] < 0)
            continue;
        int st;
        while (waitpid(pids[i], &st, 0) < 0)
            if (errno != EINTR)
                return -1;
        if (i == ncmd - 1)
            status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    return status;
}

static void show(const char *path, int stderr_file)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return;
    char buf[4096], last = '\n';
    ssize_t n;
    size_t total = 0;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        if (!stderr_file)
            fwrite(buf, 1, (size_t)n, stdout);
        last = buf[n - 1];
        total += (size_t)n;
    }
    close(fd);
    if (stderr_file && total)
        printf("[stderr]\n");
    else if (!stderr_file && last != '\n')
        printf("[no newline]\n");
}

int main(int argc, char **argv)
{
    int c;
    const char *src = NULL, *work = NULL;
    while ((c = getopt(argc, argv, "s:w:")) != -1) {
        if (c == 's')
            src = optarg;
        else if (c == 'w')
            work = optarg;
        else
            return 2;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: utilrun [-s SRCDIR -w WORKDIR] SCRIPT\n");
        return 2;
    }
    FILE *script = fopen(argv[optind], "r");
    if (!script) {
        perror(argv[optind]);
        return 2;
    }
    if (src && work && copy_tree(src, work)) {
        perror("utilrun: copy");
        return 2;
    }
    if (work && chdir(work)) {
        perror(work);
        return 2;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, script)) > 0) {
        if (line[len - 1] == '\n')
            line[--len] = 0;
        const char *p = line + strspn(line, " \t");
        if (!*p || *p == '#')
            continue;
        printf("$ %s\n", line);
        fflush(stdout);
        int status = run_line(line);
        if (status < 0) {
            printf("[utilrun: cannot run this line]\n");
            continue;
        }
        int redirected = 0;
        for (const char *q = line; (q = strstr(q, " > ")); q++)
            redirected = 1;
        if (!redirected)
            show(OUT_FILE, 0);
        show(ERR_FILE, 1);
        printf("[exit %d]\n", status);
        fflush(stdout);
    }
    free(line);
    return 0;
}
