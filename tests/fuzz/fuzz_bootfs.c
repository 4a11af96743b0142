/*
 * libFuzzer harness for vl_bootfs: any byte string goes to vl_bootfs_open; when it is
 * accepted, every entry is read (names and every data byte touched, so ASan sees any range
 * the validator let through), each name must be found again by vl_bootfs_find at its own
 * index, and a few fixed paths are looked up. Never aborts on refused input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vl_bootfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const paths[] = {"bin/hello", "/bin/hello", "etc/motd", "/",
                                        "",          "a",          "bin",      "zzzz/zzzz"};
    struct vl_bootfs fs;
    struct vl_bootfs_file f, g;
    volatile uint8_t sink = 0;

    if (vl_bootfs_open(&fs, data, size) != 0)
        return 0;
    if (fs.size > size)
        abort();
    for (uint32_t i = 0; i < fs.count; i++) {
        if (vl_bootfs_entry(&fs, i, &f) != 0)
            abort();
        if (strlen(f.name) != f.name_len || f.offset + f.size > fs.size || f.offset % 4096)
            abort();
        for (uint64_t k = 0; k < f.size; k++)
            sink ^= ((const uint8_t *)f.data)[k];
        if (vl_bootfs_find(&fs, f.name, &g) != 0 || g.name != f.name)
            abort();
    }
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        if (vl_bootfs_find(&fs, paths[i], &f) == 0 && strlen(f.name) != f.name_len)
            abort();
    }
    if (vl_bootfs_entry(&fs, fs.count, &f) == 0)
        abort();
    (void)sink;
    return 0;
}
