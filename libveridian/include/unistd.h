/*
 * POSIX <unistd.h>, the subset that exists so far: fds are libveridian's table over
 * kernel handles (src/fd.c); at start, fds 0, 1 and 2 come from the start handles with
 * roles VK_ROLE_STDIN/STDOUT/STDERR.
 */
#ifndef _UNISTD_H
#define _UNISTD_H

#include <stddef.h>

#include <bits/types.h>

#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

#ifndef SEEK_SET
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#endif

extern char **environ;

ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
int close(int fd);
_Noreturn void _exit(int status);
pid_t getpid(void);
int isatty(int fd);
unsigned int sleep(unsigned int seconds);
int usleep(useconds_t usec);

#endif
