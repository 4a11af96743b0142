/* <malloc.h>: the glibc-style extras of libveridian's allocator (see stdlib.h). */
#ifndef _MALLOC_H
#define _MALLOC_H

#include <stdlib.h>

void *memalign(size_t align, size_t size) __attribute__((malloc));

/* Bytes in allocated blocks (headers included) and bytes mapped from the kernel. */
void vr_malloc_stats(size_t *in_use, size_t *mapped);

#endif
