#!/usr/bin/env python3
"""bootmut: boot-image mutation test for vrsim (issue #8, containment).

Makes COUNT mutated copies of a built boot image, deterministically from SEED (image i is a
function of SEED and i alone), runs vrsim on each with a time limit and a low watchdog, and
classifies the outcome:

  fine     vrsim exited (any status) and its last stderr line is "trace-digest: <hex>";
           a refused image counts here too (vrsim prints the digest after refusing)
  FAILURE  vrsim killed by a signal, hung past --timeout, exited without the digest line, or
           a sanitizer (ASan/UBSan/LSan) report on stderr

A guest killed by a signal is fine: that is containment working. Every failure prints the
image index, the mutations, the command that reproduces it, and keeps the image file (under
--keep). With --minimize each failure is also replayed with single mutations and with halves
of the mutation list, to report the smallest set that still fails.

The mutations are aimed through the bootfs format (os/lib/bootfs/vl_bootfs.h) at the
directory (header, entries, names) and at the programs inside: ELF header, program headers,
the dynamic section, the relocation table, code and data; plus services.toml text edits and
blind byte flips, random runs, zeroed and duplicated ranges and truncation.

Usage (CTest runs it through tests/integration/core/bootmut.sh):
  bootmut.py --vrsim build/bin/vrsim --image build/veridian.bootfs --count 1000 --seed 1
  bootmut.py ... --index 123 --write out.bootfs     # regenerate one image and print its run
  bootmut.py ... --index 123 --minimize             # rerun one image, shrink its mutations
Exit status: 0 when every image was fine, 1 otherwise, 2 on usage errors.
"""
import argparse
import concurrent.futures
import os
import random
import re
import signal
import struct
import subprocess
import sys
import tempfile
import time

HDR = 32
ENT = 32
ALIGN = 4096
DIGEST_RE = re.compile(rb"^trace-digest: [0-9a-f]{16}$")
SANITIZER_RE = re.compile(
    rb"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|UndefinedBehaviorSanitizer|"
    rb"WARNING: ThreadSanitizer|AddressSanitizer:DEADLYSIGNAL")

PT_NAMES = {1: "LOAD", 2: "DYNAMIC", 3: "INTERP", 6: "PHDR", 7: "TLS", 0x6474E551: "GNU_STACK",
            0x6474E552: "GNU_RELRO", 0x6474E550: "GNU_EH_FRAME"}
# dynamic tags worth planting (a few the loader must refuse, the ones it uses)
DT_TAGS = [0, 1, 5, 6, 7, 8, 9, 10, 11, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 29, 30,
           0x6FFFFEF5, 0x6FFFFFF9, 0x6FFFFFFB, 0x6FFFFFFE, 0x6FFFFFFF, 35, 36, 37]


def interesting(rng, old, width):
    """A value for a field of `width` bytes that used to hold `old`."""
    mask = (1 << (8 * width)) - 1
    top = 1 << (8 * width - 1)
    pick = rng.randrange(16)
    if pick == 0:
        v = 0
    elif pick == 1:
        v = mask
    elif pick == 2:
        v = top
    elif pick == 3:
        v = top - 1
    elif pick == 4:
        v = old + rng.choice([1, -1, 2, -2, 8, -8, 4096, -4096])
    elif pick == 5:
        v = old ^ (1 << rng.randrange(8 * width))
    elif pick == 6:
        v = old * 2 if rng.randrange(2) else old // 2
    elif pick == 7:
        v = rng.randrange(0, 1 << min(8 * width, 16))
    elif pick == 8:
        v = (1 << 32) + rng.randrange(64) if width == 8 else rng.randrange(1 << 12)
    elif pick == 9:
        v = rng.choice([1, 7, 8, 15, 16, 56, 64, 0x1000, 0xFFFF, 0x10000, 0x7FFFFFFF])
    elif pick == 10:
        v = old + rng.randrange(-0x10000, 0x10000)
    elif pick == 11:
        v = mask - rng.randrange(0x1000)
    else:
        v = rng.getrandbits(8 * width)
    return v & mask


class Image:
    """The parsed original: where the directory, the names and each program's ELF structures
    are (file offsets into the image)."""

    def __init__(self, data):
        self.data = bytes(data)
        if len(data) < HDR or data[:8] != b"VRBOOTFS":
            raise ValueError("not a boot image")
        self.count = struct.unpack_from("<I", data, 12)[0]
        self.entries = []  # (index, name, entry offset, data_off, data_len)
        for i in range(self.count):
            eo = HDR + i * ENT
            name_off, name_len, _mode, data_off, data_len = struct.unpack_from("<QIIQQ", data, eo)
            name = data[name_off:name_off + name_len].decode("latin-1")
            self.entries.append((i, name, eo, data_off, data_len))
        self.names = (HDR + self.count * ENT,
                      min([e[3] for e in self.entries] or [len(data)]))
        self.elfs = {}
        for e in self.entries:
            if data[e[3]:e[3] + 4] == b"\x7fELF":
                try:
                    self.elfs[e[1]] = Elf(data, e[3], e[4])
                except (struct.error, ValueError):
                    pass
        self.texts = {e[1]: (e[3], e[4]) for e in self.entries
                      if e[1].endswith(".toml") or e[1].startswith("etc/")}


class Elf:
    def __init__(self, data, base, size):
        self.base, self.size = base, size
        (self.phoff,) = struct.unpack_from("<Q", data, base + 32)
        self.phentsize, self.phnum = struct.unpack_from("<HH", data, base + 54)
        self.phdrs = []  # (index, type, flags, offset, vaddr, filesz, memsz)
        for k in range(self.phnum):
            po = base + self.phoff + k * 56
            p_type, p_flags, p_off, p_vaddr, _pa, p_filesz, p_memsz, _al = struct.unpack_from(
                "<IIQQQQQQ", data, po)
            self.phdrs.append((k, p_type, p_flags, p_off, p_vaddr, p_filesz, p_memsz))
        self.code = [(base + p[3], p[5]) for p in self.phdrs if p[1] == 1 and p[2] & 1]
        self.rwdata = [(base + p[3], p[5]) for p in self.phdrs if p[1] == 1 and p[2] & 2]
        (entry,) = struct.unpack_from("<Q", data, base + 24)
        self.entry_file = self.vaddr_to_file(entry)
        self.dynamic = None
        self.rela = None
        for p in self.phdrs:
            if p[1] == 2:
                self.dynamic = (base + p[3], p[5])
        if self.dynamic:
            tags = {}
            off, n = self.dynamic
            for k in range(n // 16):
                tag, val = struct.unpack_from("<qQ", data, off + 16 * k)
                if tag == 0:
                    break
                tags[tag] = val
            if 7 in tags and 8 in tags:
                fo = self.vaddr_to_file(tags[7])
                if fo is not None:
                    self.rela = (base + fo, tags[8])

    def vaddr_to_file(self, va):
        for p in self.phdrs:
            if p[1] == 1 and p[4] <= va < p[4] + p[5]:
                return p[3] + (va - p[4])
        return None


class Mutator:
    """Image index i -> a list of mutations, each ("what", offset, new bytes) or
    ("what", "truncate", length); applied in order to a copy of the original."""

    def __init__(self, img):
        self.img = img
        self.ops = [(self.header, 5), (self.entry, 10), (self.name, 3), (self.swap_entries, 3),
                    (self.toml, 7), (self.ehdr, 10), (self.phdr, 16), (self.dyn, 7),
                    (self.rela, 7), (self.code, 14), (self.data, 4), (self.flip, 6),
                    (self.random_run, 3), (self.zero_range, 2), (self.dup_range, 2),
                    (self.truncate, 2), (self.shrink_file, 3)]
        self.total = sum(w for _, w in self.ops)

    def make(self, seed, index):
        rng = random.Random(seed * 1000003 + index)
        buf = bytearray(self.img.data)
        muts = []
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
            r = rng.randrange(self.total)
            for fn, w in self.ops:
                if r < w:
                    break
                r -= w
            try:
                m = fn(rng, buf)
            except (IndexError, ValueError):  # an earlier mutation (truncation) took its target
                m = None
            if m is None:
                continue
            apply(buf, [m])
            muts.append(m)
        return muts, rng

    def pick_elf(self, rng):
        names = sorted(self.img.elfs)
        # the programs every boot runs get most of the attention
        hot = [n for n in names if n in ("sbin/init", "sbin/vfs", "bin/hello")]
        name = rng.choice(hot if hot and rng.randrange(4) else names)
        return name, self.img.elfs[name]

    def field(self, rng, buf, what, off, width):
        old = int.from_bytes(buf[off:off + width], "little")
        new = interesting(rng, old, width)
        return ("%s: %#x -> %#x" % (what, old, new), off, new.to_bytes(width, "little"))

    def header(self, rng, buf):
        name, off, w = rng.choice([("version", 8, 4), ("count", 12, 4), ("image_size", 16, 8),
                                   ("reserved", 24, 8), ("magic", 0, 8)])
        return self.field(rng, buf, "bootfs header " + name, off, w)

    def entry(self, rng, buf):
        e = rng.choice(self.img.entries)
        name, off, w = rng.choice([("name_off", 0, 8), ("name_len", 8, 4), ("mode", 12, 4),
                                   ("data_off", 16, 8), ("data_off", 16, 8),
                                   ("data_len", 24, 8), ("data_len", 24, 8)])
        return self.field(rng, buf, "bootfs entry %d (%s) %s" % (e[0], e[1], name), e[2] + off, w)

    def swap_entries(self, rng, buf):
        a, b = rng.sample(self.img.entries, 2) if len(self.img.entries) > 1 else (None, None)
        if a is None:
            return None
        # entry a gets b's data: e.g. init runs vfs's code, or a program is a text file
        d = bytes(buf[b[2] + 16:b[2] + 32])
        return ("bootfs entry %d (%s) takes the data of %s" % (a[0], a[1], b[1]), a[2] + 16, d)

    def name(self, rng, buf):
        lo, hi = self.img.names
        if hi <= lo:
            return None
        off = rng.randrange(lo, hi)
        v = rng.choice([0, ord("/"), ord("."), rng.randrange(256)])
        return ("bootfs name table byte %#x = %#x" % (off, v), off, bytes([v]))

    def toml(self, rng, buf):
        t = [(n, r) for n, r in self.img.texts.items() if n.endswith("services.toml")]
        if not t:
            return None
        name, (off, size) = t[0]
        text = bytes(buf[off:off + size])
        if not text:
            return None
        lines = text.split(b"\n")
        k = rng.randrange(len(lines))
        choice = rng.randrange(7)
        if choice == 0:  # change a number
            nums = list(re.finditer(rb"\d+", text))
            if not nums:
                return None
            m = rng.choice(nums)
            rep = str(rng.choice([0, 1, 2**31, 2**63 - 1, 2**64, 99999999999])).encode()
            text = text[:m.start()] + rep + text[m.end():]
        elif choice == 1:  # drop a line
            del lines[k]
            text = b"\n".join(lines)
        elif choice == 2:  # duplicate a line
            lines.insert(k, lines[k])
            text = b"\n".join(lines)
        elif choice == 3:  # a random byte
            p = rng.randrange(len(text))
            text = text[:p] + bytes([rng.randrange(256)]) + text[p + 1:]
        elif choice == 4:  # another program as a service / a path that does not exist
            text = re.sub(rb'"/sbin/vfs"', rng.choice([b'"/bin/true"', b'"/bin/hello"',
                                                       b'"/sbin/init"', b'"/nope"', b'""']),
                          text, count=1)
        elif choice == 5:  # a service stanza twice
            text = text + b"\n" + text[text.find(b"[[services]]"):]
        else:  # truncate the text
            text = text[:rng.randrange(len(text))]
        text = text[:size].ljust(size, b" ") if len(text) <= size or rng.randrange(2) else text
        if len(text) > size:  # grew: the file's data_len grows into the zero padding
            room = (-(off + size)) % ALIGN
            text = text[:size + room]
            # write the new length and the text
            e = [e for e in self.img.entries if e[1] == name][0]
            apply(buf, [("", e[2] + 24, len(text).to_bytes(8, "little"))])
            return ("%s edited (choice %d), data_len %d" % (name, choice, len(text)), off, text)
        return ("%s edited (choice %d)" % (name, choice), off, text)

    def ehdr(self, rng, buf):
        name, e = self.pick_elf(rng)
        f, off, w = rng.choice([("e_ident", 4, 4), ("e_ident[CLASS..]", 4, 8), ("e_type", 16, 2),
                                ("e_machine", 18, 2), ("e_entry", 24, 8), ("e_entry", 24, 8),
                                ("e_phoff", 32, 8), ("e_phoff", 32, 8), ("e_phentsize", 54, 2),
                                ("e_phnum", 56, 2), ("e_phnum", 56, 2), ("e_shoff", 40, 8)])
        return self.field(rng, buf, "%s ELF header %s" % (name, f), e.base + off, w)

    def phdr(self, rng, buf):
        name, e = self.pick_elf(rng)
        if not e.phdrs:
            return None
        p = rng.choice(e.phdrs)
        f, off, w = rng.choice([("p_type", 0, 4), ("p_flags", 4, 4), ("p_offset", 8, 8),
                                ("p_vaddr", 16, 8), ("p_filesz", 32, 8), ("p_memsz", 40, 8),
                                ("p_align", 48, 8), ("p_vaddr", 16, 8), ("p_filesz", 32, 8),
                                ("p_memsz", 40, 8)])
        po = e.base + e.phoff + p[0] * 56
        if f == "p_type" and rng.randrange(2):  # another known type (TLS, INTERP, DYNAMIC...)
            v = rng.choice(list(PT_NAMES))
            return ("%s phdr %d (%s) p_type -> %#x" % (name, p[0], PT_NAMES.get(p[1], p[1]), v),
                    po, v.to_bytes(4, "little"))
        if f == "p_flags" and rng.randrange(2):
            v = rng.randrange(8)
            return ("%s phdr %d (%s) p_flags -> %#x" % (name, p[0], PT_NAMES.get(p[1], p[1]), v),
                    po + 4, v.to_bytes(4, "little"))
        return self.field(rng, buf, "%s phdr %d (%s) %s" % (name, p[0], PT_NAMES.get(p[1], p[1]),
                                                            f), po + off, w)

    def dyn(self, rng, buf):
        name, e = self.pick_elf(rng)
        if not e.dynamic:
            return None
        off, n = e.dynamic
        k = rng.randrange(max(1, min(n // 16, 24)))
        if rng.randrange(3) == 0:
            tag = rng.choice(DT_TAGS)
            return ("%s dynamic[%d].d_tag -> %#x" % (name, k, tag), off + 16 * k,
                    tag.to_bytes(8, "little"))
        return self.field(rng, buf, "%s dynamic[%d].d_val" % (name, k), off + 16 * k + 8, 8)

    def rela(self, rng, buf):
        name, e = self.pick_elf(rng)
        if not e.rela or e.rela[1] < 24:
            return None
        off, size = e.rela
        k = rng.randrange(size // 24)
        f, fo = rng.choice([("r_offset", 0), ("r_info", 8), ("r_addend", 16), ("r_offset", 0),
                            ("r_addend", 16)])
        if f == "r_info" and rng.randrange(2):
            v = rng.choice([0, 1, 2, 6, 7, 8, 16, 18, 37, 42])
            return ("%s rela[%d].r_info -> %d" % (name, k, v), off + 24 * k + 8,
                    v.to_bytes(8, "little"))
        return self.field(rng, buf, "%s rela[%d].%s" % (name, k, f), off + 24 * k + fo, 8)

    def code(self, rng, buf):
        name, e = self.pick_elf(rng)
        if not e.code:
            return None
        off, size = rng.choice(e.code)
        p = off + rng.randrange(max(1, size))
        n = rng.choice([1, 1, 1, 2, 4, 8, 16])
        kind = rng.randrange(3)
        if kind == 0:
            b = bytes([buf[p] ^ (1 << rng.randrange(8))]) if p < len(buf) else b"\0"
        elif kind == 1:
            b = rng.randbytes(n)
        else:  # an instruction that changes host-visible state, planted in guest code: at
            # the entry point half of the time, so that it runs (before a kcall or a fault)
            if rng.randrange(2) and e.entry_file is not None:
                p = e.base + e.entry_file
            b = rng.choice([b"\xf3\x48\x0f\xae\xd0", b"\xcd\x80", b"\x0f\x34", b"\x0f\x05",
                            b"\x9c\x48\x81\x0c\x24\x00\x00\x04\x00\x9d", b"\xfd",
                            b"\x31\xc0\x8e\xe0", b"\x0f\x31", b"\x0f\xa2", b"\xcc", b"\xf4",
                            b"\x6a\x23\x68\x00\x10\x00\x00\x48\xcb"])
        return ("%s code+%#x: %s" % (name, p - e.base, b.hex()), p, b)

    def data(self, rng, buf):
        name, e = self.pick_elf(rng)
        if not e.rwdata:
            return None
        off, size = rng.choice(e.rwdata)
        if size < 8:
            return None
        p = off + rng.randrange(size - 7) // 8 * 8
        return self.field(rng, buf, "%s data+%#x" % (name, p - e.base), p, 8)

    def flip(self, rng, buf):
        p = rng.randrange(len(buf))
        return ("bit flip at %#x" % p, p, bytes([buf[p] ^ (1 << rng.randrange(8))]))

    def random_run(self, rng, buf):
        n = rng.choice([4, 16, 64, 256])
        p = rng.randrange(len(buf) - n)
        return ("%d random bytes at %#x" % (n, p), p, rng.randbytes(n))

    def zero_range(self, rng, buf):
        n = rng.choice([8, 64, 512, 4096])
        p = rng.randrange(len(buf) - n)
        return ("%d zero bytes at %#x" % (n, p), p, bytes(n))

    def dup_range(self, rng, buf):
        n = rng.choice([8, 64, 512, 4096])
        s = rng.randrange(len(buf) - n)
        if rng.randrange(2) and self.img.elfs:  # inside one program
            e = self.img.elfs[rng.choice(sorted(self.img.elfs))]
            if e.size > 2 * n:
                s = e.base + rng.randrange(e.size - n)
                d = e.base + rng.randrange(e.size - n)
                return ("%d bytes copied %#x -> %#x" % (n, s, d), d, bytes(buf[s:s + n]))
        d = rng.randrange(len(buf) - n)
        return ("%d bytes copied %#x -> %#x" % (n, s, d), d, bytes(buf[s:s + n]))

    def truncate(self, rng, buf):
        n = rng.randrange(len(buf))
        return ("truncated to %d bytes" % n, "truncate", n)

    def shrink_file(self, rng, buf):
        """A valid directory over a truncated program: its data_len cut short."""
        name, e = self.pick_elf(rng)
        ent = [x for x in self.img.entries if x[1] == name][0]
        n = rng.choice([0, 1, 16, 63, 64, 100, rng.randrange(e.size)])
        return ("%s cut to %d bytes (data_len)" % (name, n), ent[2] + 24, n.to_bytes(8, "little"))


def apply(buf, muts):
    for _desc, off, val in muts:
        if off == "truncate":
            del buf[val:]
        elif off < len(buf):
            end = min(len(buf), off + len(val))
            buf[off:end] = val[:end - off]


def run_args(img, muts, rng, index):
    """What to run on image i: the program whose ELF was mutated when it is one we can run,
    otherwise a mix of hello, svc, true and a plain boot, with and without init."""
    touched = [n for n in img.elfs if any(d.startswith(n + " ") for d, _, _ in muts)]
    runnable = {"bin/hello": ["/bin/hello", "a"], "bin/true": ["/bin/true"],
                "bin/svc": ["/bin/svc", "list"]}
    args = ["--seed", str(index)]
    prog = None
    for n in touched:
        if n in runnable:
            prog = runnable[n]
    r = rng.randrange(10)
    if prog is None:
        prog = (["/bin/hello", "x"] if r < 5 else ["/bin/svc", "list"] if r < 7
                else ["/bin/true"] if r < 8 else [])
    if prog and r == 9 and not any(d.startswith("sbin/init ") for d, _, _ in muts):
        args.append("--no-init")
    return args, prog


# A mutated image may legitimately run forever (a program that never ends, such as yes or a
# polling server, takes init's or a service's place): a kernel-call budget far above what a
# boot needs (~1000) ends such a run deterministically, with the digest line.
MAX_KCALLS = "200000"


def run_vrsim(vrsim, image, args, prog, timeout, watchdog_ms):
    cmd = [vrsim, "run", "--watchdog-ms", str(watchdog_ms), "--max-kcalls", MAX_KCALLS] + args + [image]
    if prog:
        cmd += ["--"] + prog
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
        hung = False
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        hung = True
    return cmd, p.returncode, out, err, hung, time.monotonic() - t0


def verdict(rc, err, hung):
    """None when fine, else the failure class."""
    if hung:
        return "hang"
    if SANITIZER_RE.search(err):
        m = SANITIZER_RE.search(err)
        return "sanitizer (%s)" % m.group(0).decode(errors="replace").strip()
    if rc < 0:
        return "killed by %s" % signal.Signals(-rc).name
    lines = err.rstrip(b"\n").split(b"\n")
    if not lines or not DIGEST_RE.match(lines[-1]):
        return "no trace-digest line (exit %d)" % rc
    return None


def shell_quote(cmd):
    return " ".join(c if re.fullmatch(r"[\w@%+=:,./-]+", c) else "'" + c.replace("'", "'\\''")
                    + "'" for c in cmd)


class Runner:
    def __init__(self, opts):
        self.opts = opts
        with open(opts.image, "rb") as f:
            self.img = Image(f.read())
        self.mut = Mutator(self.img)
        self.tmp = tempfile.mkdtemp(prefix="bootmut-")

    def one(self, index, muts=None, rng=None, keep_name=None):
        if muts is None:
            muts, rng = self.mut.make(self.opts.seed, index)
        elif rng is None:
            _, rng = self.mut.make(self.opts.seed, index)
        buf = bytearray(self.img.data)
        apply(buf, muts)
        path = os.path.join(self.tmp, keep_name or "img-%d.bootfs" % index)
        with open(path, "wb") as f:
            f.write(buf)
        args, prog = run_args(self.img, muts, rng, index)
        cmd, rc, out, err, hung, secs = run_vrsim(self.opts.vrsim, path, args, prog,
                                                  self.opts.timeout, self.opts.watchdog_ms)
        v = verdict(rc, err, hung)
        return {"index": index, "muts": muts, "path": path, "cmd": cmd, "rc": rc, "err": err,
                "verdict": v, "secs": secs}

    def keep(self, res, suffix=""):
        os.makedirs(self.opts.keep, exist_ok=True)
        dst = os.path.join(self.opts.keep, "bootmut-s%d-i%d%s.bootfs" % (self.opts.seed,
                                                                        res["index"], suffix))
        os.replace(res["path"], dst)
        res["cmd"] = [dst if c == res["path"] else c for c in res["cmd"]]
        res["path"] = dst

    def report(self, res):
        o = self.opts
        print("FAIL: image %d (seed %d): %s" % (res["index"], o.seed, res["verdict"]))
        for d, _, _ in res["muts"]:
            print("    mutation: %s" % d)
        tail = res["err"].decode(errors="replace").strip().split("\n")[-6:]
        for line in tail:
            print("    stderr: %s" % line[:200])
        print("    image kept: %s" % res["path"])
        print("    reproduce: %s" % shell_quote(res["cmd"]))
        print("    regenerate: python3 %s --image %s --vrsim %s --seed %d --index %d --minimize"
              % (os.path.abspath(__file__), o.image, o.vrsim, o.seed, res["index"]))

    def minimize(self, res):
        """Smallest mutation list (single mutations first, then drop one at a time) that
        still gives the same failure class."""
        cls = res["verdict"].split(" (")[0]
        muts = res["muts"]

        def fails(subset):
            r = self.one(res["index"], muts=subset, keep_name="min-%d.bootfs" % res["index"])
            return r["verdict"] and r["verdict"].split(" (")[0] == cls, r

        for m in muts:
            ok, r = fails([m])
            if ok:
                return r
        cur = list(muts)
        changed = True
        while changed and len(cur) > 1:
            changed = False
            for k in range(len(cur)):
                ok, r = fails(cur[:k] + cur[k + 1:])
                if ok:
                    cur = cur[:k] + cur[k + 1:]
                    changed = True
                    break
        return self.one(res["index"], muts=cur, keep_name="min-%d.bootfs" % res["index"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vrsim", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--first", type=int, default=0, help="index of the first image")
    ap.add_argument("--index", type=int, help="only this image")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per vrsim run")
    ap.add_argument("--watchdog-ms", type=int, default=50)
    ap.add_argument("--keep", help="directory for failing images (default: next to --image)")
    ap.add_argument("--write", help="with --index: write the mutated image here and exit")
    ap.add_argument("--minimize", action="store_true", help="shrink each failure's mutations")
    ap.add_argument("--verbose", action="store_true")
    o = ap.parse_args()
    if o.keep is None:
        o.keep = os.path.join(os.path.dirname(os.path.abspath(o.image)), "bootmut-failures")
    try:
        runner = Runner(o)
    except (OSError, ValueError) as e:
        print("bootmut: %s: %s" % (o.image, e))
        return 2
    if o.write is not None:
        if o.index is None:
            print("bootmut: --write needs --index")
            return 2
        muts, rng = runner.mut.make(o.seed, o.index)
        buf = bytearray(runner.img.data)
        apply(buf, muts)
        with open(o.write, "wb") as f:
            f.write(buf)
        args, prog = run_args(runner.img, muts, rng, o.index)
        for d, _, _ in muts:
            print("mutation: %s" % d)
        print("run: %s" % shell_quote([o.vrsim, "run", "--watchdog-ms", str(o.watchdog_ms),
                                       "--max-kcalls", MAX_KCALLS] +
                                      args + [o.write] + (["--"] + prog if prog else [])))
        return 0
    indices = [o.index] if o.index is not None else list(range(o.first, o.first + o.count))
    t0 = time.monotonic()
    fails = []
    stats = {"refused": 0, "ran": 0, "crashed-guest": 0}
    statuses = {}
    slowest = (0.0, -1)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, o.jobs)) as pool:
        for res in pool.map(runner.one, indices):
            if res["secs"] > slowest[0]:
                slowest = (res["secs"], res["index"])
            if res["verdict"]:
                runner.keep(res)
                runner.report(res)
                fails.append(res)
                continue
            statuses[res["rc"]] = statuses.get(res["rc"], 0) + 1
            if b"not a valid boot image" in res["err"]:
                stats["refused"] += 1
            else:
                stats["ran"] += 1
            if o.verbose:
                print("ok: image %d: exit %d, %s" % (res["index"], res["rc"],
                                                     "; ".join(d for d, _, _ in res["muts"])))
            os.unlink(res["path"])
    secs = time.monotonic() - t0
    if o.minimize:
        for res in fails:
            r = runner.minimize(res)
            if r["verdict"]:
                runner.keep(r, "-min")
                print("MINIMAL: image %d: %s with %d of %d mutation(s):" %
                      (res["index"], r["verdict"], len(r["muts"]), len(res["muts"])))
                for d, _, _ in r["muts"]:
                    print("    mutation: %s" % d)
                print("    reproduce: %s" % shell_quote(r["cmd"]))
            else:
                print("MINIMAL: image %d: did not fail again (%s)" % (res["index"],
                                                                    r["verdict"]))
    classes = {}
    for res in fails:
        c = res["verdict"].split(" (")[0]
        classes[c] = classes.get(c, 0) + 1
    print("bootmut: %d images (seed %d, first %d) in %.1f s with %d jobs: %d fine (%d refused "
          "by vrsim, %d booted; exit statuses %s), slowest %.2f s (image %d); %d failure(s)%s"
          % (len(indices), o.seed, indices[0], secs, o.jobs, len(indices) - len(fails),
             stats["refused"], stats["ran"],
             ", ".join("%d:%d" % kv for kv in sorted(statuses.items())), slowest[0],
             slowest[1], len(fails),
             (": " + ", ".join("%s %d" % kv for kv in sorted(classes.items()))) if fails else ""))
    try:
        for f in os.listdir(runner.tmp):
            os.unlink(os.path.join(runner.tmp, f))
        os.rmdir(runner.tmp)
    except OSError:
        pass
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
