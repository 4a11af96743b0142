/* shbench N [ARGS...]: start /bin/vsh ARGS (default: -c /bin/true) with posix_spawn and wait
 * for it, N times: a shell command's launch as a user's script sees it. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 100;
    char *def[] = {"vsh", "-c", "/bin/true", NULL};
    char **av = def;
    if (argc > 2) {
        av = argv + 1; /* argv[1] (N) becomes the program's name */
        av[0] = "vsh";
    }
    for (long i = 0; i < n; i++) {
        pid_t pid;
        int st;
        int rc = posix_spawn(&pid, "/bin/vsh", NULL, NULL, av, NULL);
        if (rc || waitpid(pid, &st, 0) != pid || st != 0) {
            printf("shbench: /bin/vsh failed (%d, status %d)\n", rc, rc ? 0 : st);
            return 1;
        }
    }
    return 0;
}
