/*
 * C11/POSIX <stdio.h> over file descriptors. stdout and streams opened on a terminal (the
 * console) are line-buffered, other streams fully buffered; stderr is unbuffered. fopen
 * modes: r w a with + (read and write), b (ignored), x (O_EXCL) and e (O_CLOEXEC). printf
 * is exact (floating point digits match glibc's) and C-locale (the ' flag groups nothing).
 * Not provided yet: scanf family, tmpfile.
 */
#ifndef _STDIO_H
#define _STDIO_H

#include <stdarg.h>
#include <stddef.h>

#include <bits/types.h>

typedef struct vr_file FILE;

typedef struct {
    off_t __pos;
} fpos_t;

#define EOF (-1)
#define BUFSIZ 4096
#define _IOFBF 0
#define _IOLBF 1
#define _IONBF 2
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define FOPEN_MAX 16
#define FILENAME_MAX 4096

extern FILE *const stdin;
extern FILE *const stdout;
extern FILE *const stderr;
#define stdin (stdin)
#define stdout (stdout)
#define stderr (stderr)

#define __VR_PRINTF(f, a) __attribute__((format(printf, f, a)))

int printf(const char *restrict fmt, ...) __VR_PRINTF(1, 2);
int fprintf(FILE *restrict f, const char *restrict fmt, ...) __VR_PRINTF(2, 3);
int sprintf(char *restrict buf, const char *restrict fmt, ...) __VR_PRINTF(2, 3);
int snprintf(char *restrict buf, size_t n, const char *restrict fmt, ...) __VR_PRINTF(3, 4);
int dprintf(int fd, const char *restrict fmt, ...) __VR_PRINTF(2, 3);
int asprintf(char **restrict out, const char *restrict fmt, ...) __VR_PRINTF(2, 3);
int vprintf(const char *restrict fmt, va_list ap) __VR_PRINTF(1, 0);
int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap) __VR_PRINTF(2, 0);
int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap) __VR_PRINTF(2, 0);
int vsnprintf(char *restrict buf, size_t n, const char *restrict fmt, va_list ap) __VR_PRINTF(3, 0);
int vdprintf(int fd, const char *restrict fmt, va_list ap) __VR_PRINTF(2, 0);
int vasprintf(char **restrict out, const char *restrict fmt, va_list ap) __VR_PRINTF(2, 0);

int fputc(int c, FILE *f);
int putc(int c, FILE *f);
int putchar(int c);
int fputs(const char *restrict s, FILE *restrict f);
int puts(const char *s);
size_t fwrite(const void *restrict p, size_t size, size_t n, FILE *restrict f);

int fgetc(FILE *f);
int getc(FILE *f);
int getchar(void);
int ungetc(int c, FILE *f);
char *fgets(char *restrict s, int n, FILE *restrict f);
size_t fread(void *restrict p, size_t size, size_t n, FILE *restrict f);
ssize_t getline(char **restrict line, size_t *restrict cap, FILE *restrict f);
ssize_t getdelim(char **restrict line, size_t *restrict cap, int delim, FILE *restrict f);

int fflush(FILE *f);
int setvbuf(FILE *restrict f, char *restrict buf, int mode, size_t size);
void setbuf(FILE *restrict f, char *restrict buf);
int feof(FILE *f);
int ferror(FILE *f);
void clearerr(FILE *f);
int fileno(FILE *f);
void perror(const char *s);

FILE *fopen(const char *restrict path, const char *restrict mode);
FILE *fdopen(int fd, const char *mode);
FILE *freopen(const char *restrict path, const char *restrict mode, FILE *restrict f);
int fclose(FILE *f);
/* Through the shell (/bin/sh, else /bin/vsh): ENOENT when the image has none. */
FILE *popen(const char *command, const char *mode);
int pclose(FILE *f);
int fseek(FILE *f, long off, int whence);
int fseeko(FILE *f, off_t off, int whence);
long ftell(FILE *f);
off_t ftello(FILE *f);
void rewind(FILE *f);
int fgetpos(FILE *restrict f, fpos_t *restrict pos);
int fsetpos(FILE *f, const fpos_t *pos);
int remove(const char *path);
int rename(const char *oldpath, const char *newpath);
int renameat(int olddirfd, const char *oldpath, int newdirfd, const char *newpath);

void flockfile(FILE *f);
void funlockfile(FILE *f);
int ftrylockfile(FILE *f);

#endif
