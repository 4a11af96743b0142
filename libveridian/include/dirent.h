/*
 * POSIX <dirent.h>: directory streams over a directory's fd (src/dirent.c). Entries come
 * from vfs in batches (VFS_OP_READDIR); d_off is the cookie that continues after the entry
 * (what telldir returns and seekdir takes). The order is the filesystem's (tmpfs: ".", "..",
 * then insertion order), not sorted.
 */
#ifndef _DIRENT_H
#define _DIRENT_H

#include <bits/types.h>

typedef struct vr_dir DIR;

struct dirent {
    ino_t d_ino;
    off_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[256];
};

#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10
#define DT_SOCK 12
#define DT_WHT 14

DIR *opendir(const char *path);
DIR *fdopendir(int fd);
struct dirent *readdir(DIR *d);
int closedir(DIR *d);
void rewinddir(DIR *d);
long telldir(DIR *d);
void seekdir(DIR *d, long loc);
int dirfd(DIR *d);

#endif
