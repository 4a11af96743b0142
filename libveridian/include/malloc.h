/* <malloc.h>: the glibc-style extras of libveridian's allocator (see stdlib.h). */
#ifndef _MALLOC_H
#define _MALLOC_H

#include <stdlib.h>

void *memalign(size_t align, size_t size) __attribute__((malloc));

#endif
