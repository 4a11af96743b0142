/*
 * vl_bootfs: the boot-image archive (read side), shared by the kernel, vrsim's loader, init
 * and host tools. Built twice (vl_bootfs_host, vl_bootfs_guest): portable C, only
 * <stdint.h> and <stddef.h>, no allocation, no I/O, no globals.
 *
 * The image comes from outside (a file on the host, a module the bootloader placed), so
 * vl_bootfs_open validates all of it before anything trusts an offset: after a successful
 * open, every name and every file's data lies inside the image and lookups cannot fail in an
 * unsafe way. Nothing is copied: names and data point into the image, which must stay mapped
 * and unchanged while the struct vl_bootfs is used.
 *
 * Format, version 1 (all integers little endian; offsets are from the start of the image):
 *
 *   header, 32 bytes:
 *     0  u8  magic[8]      "VRBOOTFS"
 *     8  u32 version       1
 *    12  u32 count         number of entries
 *    16  u64 image_size    bytes of the image (<= the length handed to vl_bootfs_open)
 *    24  u64 reserved      0
 *   entries, count * 32 bytes, right after the header, sorted by name (bytewise, like
 *   memcmp then shorter first), names unique:
 *     0  u64 name_off      name's first byte
 *     8  u32 name_len      bytes, without the NUL; >= 1
 *    12  u32 mode          permission bits only (mkbootfs writes 0755 or 0644)
 *    16  u64 data_off      multiple of 4096 (VL_BOOTFS_ALIGN), so a program can be mapped
 *                          or spawned straight from its offset
 *    24  u64 data_len
 *   name table: from the end of the entries up to the lowest data_off (the end of the image
 *     when there are no entries); every name lies inside it, followed by a NUL, with no NUL
 *     inside. Names are relative paths: no leading or trailing '/', no empty, "." or ".."
 *     component ("bin/hello", "etc/motd").
 *   file data: data_off .. data_off + data_len, inside the image; zero padding in between.
 *
 * mkbootfs (the host tool next to this file) lays files out in name order and pads the image
 * to a multiple of 4096; the reader does not rely on either.
 */
#ifndef VL_BOOTFS_H
#define VL_BOOTFS_H

#include <stddef.h>
#include <stdint.h>

#define VL_BOOTFS_MAGIC "VRBOOTFS"
#define VL_BOOTFS_VERSION 1u
#define VL_BOOTFS_HEADER_SIZE 32u
#define VL_BOOTFS_ENTRY_SIZE 32u
#define VL_BOOTFS_ALIGN 4096u

struct vl_bootfs {
    const uint8_t *base;
    uint64_t size; /* image_size */
    uint32_t count;
};

struct vl_bootfs_file {
    const char *name; /* NUL-terminated, inside the image */
    uint32_t name_len;
    uint32_t mode;
    uint64_t offset; /* of the data in the image */
    uint64_t size;
    const void *data; /* base + offset */
};

/* Validates the whole image (see the format above). 0 or -VK_EINVAL; fs is set only on 0. */
int vl_bootfs_open(struct vl_bootfs *fs, const void *image, size_t len);

/* Looks path up ("/bin/hello" and "bin/hello" alike: leading slashes are ignored) by binary
 * search. 0 or -VK_ENOENT. */
int vl_bootfs_find(const struct vl_bootfs *fs, const char *path, struct vl_bootfs_file *out);

/* Entry number index (0 .. count - 1, in name order). 0 or -VK_ENOENT. */
int vl_bootfs_entry(const struct vl_bootfs *fs, uint32_t index, struct vl_bootfs_file *out);

/* Encoders for writers (mkbootfs, tests): store a header or an entry, little endian. */
void vl_bootfs_encode_header(uint8_t out[VL_BOOTFS_HEADER_SIZE], uint32_t count,
                             uint64_t image_size);
void vl_bootfs_encode_entry(uint8_t out[VL_BOOTFS_ENTRY_SIZE], uint64_t name_off, uint32_t name_len,
                            uint32_t mode, uint64_t data_off, uint64_t data_len);

/* Bytewise order of two names (like memcmp, then the shorter first): < 0, 0 or > 0. */
int vl_bootfs_name_cmp(const char *a, size_t a_len, const char *b, size_t b_len);

/* Whether s[0..len) is a valid entry name: a relative path, no NUL, no leading or trailing '/',
 * no empty, "." or ".." component. 1 or 0. Writers check names with it before packing. */
int vl_bootfs_name_ok(const char *s, size_t len);

#endif
