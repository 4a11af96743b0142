/* procfs: what /proc shows a process about itself, through the POSIX file API. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void link_of(const char *path)
{
    char buf[256];
    ssize_t n = readlink(path, buf, sizeof buf - 1);
    if (n < 0)
        printf("%s: %s\n", path, strerror(errno));
    else
        printf("%s -> %.*s\n", path, (int)n, buf);
}

static void cat(const char *path, int lines)
{
    FILE *f = fopen(path, "r");
    char buf[256];
    if (!f) {
        printf("%s: %s\n", path, strerror(errno));
        return;
    }
    while (lines-- > 0 && fgets(buf, sizeof buf, f))
        printf("%s: %s", path, buf);
    fclose(f);
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    chdir("/etc");
    int fd = open("motd", O_RDONLY);
    printf("opened fd %d\n", fd);
    link_of("/proc/self/fd/1");
    link_of("/proc/self/fd/3");
    link_of("/proc/self/cwd");
    close(fd);
    link_of("/proc/self/fd/3");
    cat("/proc/self/status", 2);
    cat("/proc/self/cmdline", 1);
    printf("\n");
    cat("/proc/mounts", 1);
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    printf("fds:");
    while (d && (de = readdir(d)))
        if (de->d_name[0] != '.')
            printf(" %s", de->d_name);
    printf("\n");
    if (d)
        closedir(d);
    return 0;
}
