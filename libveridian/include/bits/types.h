/*
 * The POSIX system types, shared by sys/types.h, unistd.h, stdio.h and time.h. Sizes are
 * Linux x86_64's, so structures exchanged with host tools line up.
 */
#ifndef _BITS_TYPES_H
#define _BITS_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef long ssize_t;
typedef long off_t;
typedef int pid_t;
typedef unsigned int uid_t;
typedef unsigned int gid_t;
typedef unsigned int id_t;
typedef unsigned int mode_t;
typedef unsigned long ino_t;
typedef unsigned long dev_t;
typedef unsigned long nlink_t;
typedef long blksize_t;
typedef long blkcnt_t;
typedef long time_t;
typedef long suseconds_t;
typedef unsigned int useconds_t;
typedef int clockid_t;
typedef long clock_t;

#endif
