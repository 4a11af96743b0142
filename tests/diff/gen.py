#!/usr/bin/env python3
"""gen.py: random operation scripts for tests/diff/fsops.c (format: see fsops.c).

    gen.py SEED [NOPS]        prints one script on stdout

run.py imports generate(seed, nops). A script depends only on (seed, nops).

The scripts are biased to reach both success and error paths: most paths name things that
probably exist (the generator keeps a rough, optimistic model of the tree, updated as if
every operation succeeded), the rest are fresh names, paths through files, dangling, looping
and absolute symlinks, ".", "..", "//", trailing slashes, over-long names and paths, the
empty path. fsops_host runs chrooted, so absolute paths and ".." at the top behave the same
on both sides.

Things kept out on purpose, because Linux and the library are allowed to differ there:
  - O_CREAT|O_DIRECTORY (EINVAL only since Linux 6.4);
  - filling a pipe or FIFO: Linux counts pipe capacity in pages, the library in bytes, so
    each pipe end and FIFO sees at most MAX_PIPE_WRITES writes of at most 4096 bytes, far
    below either capacity. FIFOs are named p0..p3 and nothing else ever gets such a name (nor
    does a symlink target mention one), so a slot opened on one is recognised by its name;
  - chmod of the root to a mode without search permission for the owner: every later path
    would fail. "chmod / 0755" (no lookup happens for "/") is issued now and then to recover
    from a symlink that led a chmod to the root.
"""
import random
import sys

NAMES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'sub', 'x']
FIFO_NAMES = ['p0', 'p1', 'p2', 'p3']
FILE_SLOTS = list(range(0, 8))
PIPE_SLOTS = list(range(8, 12))
MAX_PIPE_WRITES = 12
SIZES = [0, 1, 7, 100, 511, 512, 4095, 4096, 4097, 5000, 8191, 8192, 10000, 65536, 70001]
# Sparse offsets stay at a few MiB: the final listing hashes every byte of every file.
OFFSETS = [0, 0, 1, 100, 511, 4095, 4096, 4097, 8191, 8192, 12288, 100000, 1 << 20,
           (3 << 20) + 5, -1, -4096]
TRUNC_SIZES = [0, 0, 1, 10, 4095, 4096, 4097, 5000, 8192, 1 << 16, (5 << 20) + 3, -1]
MODES_FILE = ['644', '644', '600', '666', '755', '400', '200', '000', '444', '4755', '2755',
              '2745', '1644']
MODES_DIR = ['755', '755', '755', '700', '777', '1777', '500', '300', '644', '000', '2755',
             '711']


def encode(s):
    if s == '':
        return '~'
    out = []
    for ch in s.encode():
        c = chr(ch)
        if c.isascii() and (c.isalnum() or c in '._/-'):
            out.append(c)
        else:
            out.append('%%%02X' % ch)
    return ''.join(out)


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.nodes = {'': 'd'}   # path (no leading "./") -> 'f' file, 'd' dir, 'l' link, 'p' fifo
        self.slot_kind = {}      # file slot -> 'f', 'd', 'p'
        self.pipe_writes = {}    # pipe/fifo identity -> writes so far
        self.slot_pipe = {}      # slot -> identity for pipe_writes
        self.recent = []         # file slots most recently opened (probably open)
        self.fifo_serial = 0
        self.out = []

    # ---- paths ----
    def pick(self, kind=None):
        cands = [p for p, k in self.nodes.items() if kind is None or k in kind]
        if not cands:
            return ''
        cands.sort()
        return self.r.choice(cands)

    def fresh_name(self):
        r = self.r.random()
        if r < 0.02:
            return 'n' * 256          # ENAMETOOLONG
        if r < 0.04:
            return 'm' * 255          # longest legal name
        return self.r.choice(NAMES)

    def join(self, parent, name):
        return name if parent == '' else parent + '/' + name

    def new_path(self):
        """A path for something to be created: an existing directory plus a (new) name."""
        return self.join(self.pick('d'), self.fresh_name())

    def mangle(self, p):
        r = self.r
        if p == '':
            return r.choice(['.', '/', './', './/', '~'])
        x = r.random()
        if x < 0.55:
            pass
        elif x < 0.62:
            p = '/' + p                                   # absolute (root = chroot)
        elif x < 0.68:
            p = './' + p
        elif x < 0.74:
            p = p + '/'                                   # trailing slash
        elif x < 0.78:
            p = p.replace('/', '//', 1) if '/' in p else p + '//'
        elif x < 0.83:
            parts = p.split('/')
            i = r.randrange(len(parts))
            parts.insert(i, r.choice(NAMES) + '/..')      # through something, then back
            p = '/'.join(parts)
        elif x < 0.87:
            p = p + '/.'
        elif x < 0.90:
            p = p + '/..'
        elif x < 0.93:
            p = '../' * r.randint(1, 3) + p               # ".." at the top stays at the top
        elif x < 0.96:
            p = p + '/' + r.choice(NAMES)                 # below: maybe through a file
        else:
            p = p.replace('/', '/./')
        return p

    def any_path(self, kinds=None):
        r = self.r.random()
        if r < 0.7:
            return self.mangle(self.pick(kinds))
        if r < 0.9:
            return self.mangle(self.new_path())
        return self.weird_path()

    def weird_path(self):
        r = self.r
        choices = [
            '~', '.', '..', '/', '//', '/..', './/.',
            'n' * 256, 'x/' + 'n' * 256,
            '/'.join(['m' * 200] * 21),                   # > PATH_MAX
            '/'.join(['a'] * 2047),                       # 4093 bytes: within PATH_MAX
            self.pick('f') + '/x' if self.pick('f') else 'a/x',
            self.pick('l') + '/' if self.pick('l') else 'a/',
            self.pick('l') + '/.' if self.pick('l') else 'a/.',
        ]
        return r.choice(choices)

    def link_target(self):
        r = self.r
        x = r.random()
        if x < 0.35:
            t = self.pick()                                # relative to the root...
            return t if t else '.'
        if x < 0.5:
            return '/' + self.pick()                       # absolute
        if x < 0.6:
            return '../' + self.pick()                     # relative to the link's directory
        if x < 0.7:
            return r.choice(NAMES)                         # a sibling, maybe dangling
        if x < 0.78:
            return r.choice(['.', '..', '/', './', '../..'])
        if x < 0.86:
            return 'loop' + str(r.randint(0, 2))           # loops among loop0..loop2
        if x < 0.9:
            return 'q' * r.choice([127, 128, 300, 4095, 4096])   # short/long bodies, too long
        return self.mangle(self.pick())

    # ---- model updates (optimistic) ----
    def add(self, p, kind):
        p = p.strip('/')
        if p and '//' not in p and '.' not in p.split('/') and '..' not in p.split('/'):
            parent = p.rsplit('/', 1)[0] if '/' in p else ''
            if self.nodes.get(parent) == 'd' and p not in self.nodes:
                self.nodes[p] = kind

    def remove(self, p):
        p = p.strip('/')
        if p in self.nodes and p != '' and not any(q.startswith(p + '/') for q in self.nodes):
            del self.nodes[p]

    def move(self, a, b):
        a, b = a.strip('/'), b.strip('/')
        if a not in self.nodes or a == '' or b == '' or b in self.nodes:
            return
        if b.startswith(a + '/'):
            return
        parent = b.rsplit('/', 1)[0] if '/' in b else ''
        if self.nodes.get(parent) != 'd':
            return
        for q in sorted(self.nodes):
            if q == a or q.startswith(a + '/'):
                self.nodes[b + q[len(a):]] = self.nodes.pop(q)

    # ---- emitting ----
    def emit(self, *tokens):
        self.out.append(' '.join(str(t) for t in tokens))

    def flags(self):
        r = self.r
        acc = r.choices(['RDONLY', 'WRONLY', 'RDWR', 'ACC3'], [40, 25, 30, 5])[0]
        f = [acc]
        creat = r.random() < 0.35
        if creat:
            f.append('CREAT')
            if r.random() < 0.3:
                f.append('EXCL')
        elif r.random() < 0.03:
            f.append('EXCL')
        if r.random() < 0.15:
            f.append('TRUNC')
        if r.random() < 0.15:
            f.append('APPEND')
        if not creat and r.random() < 0.1:
            f.append('DIRECTORY')
        if r.random() < 0.08:
            f.append('NOFOLLOW')
        return '|'.join(f)

    def op_open(self):
        r = self.r
        s = r.choice(FILE_SLOTS)
        flags = self.flags()
        if r.random() < 0.35 and any(k == 'f' for k in self.nodes.values()):
            # the plain case, likely to succeed: an existing file, for reading and writing
            path = self.pick('f')
            flags = r.choice(['RDWR', 'RDWR', 'WRONLY', 'RDONLY', 'RDWR|APPEND', 'RDWR|TRUNC'])
        elif 'CREAT' in flags and r.random() < 0.5:
            p = self.new_path()
            self.add(p, 'f')
            path = self.mangle(p) if r.random() < 0.3 else p
        elif 'DIRECTORY' in flags or r.random() < 0.1:
            path = self.any_path('d')
        elif r.random() < 0.1 and any(k == 'p' for k in self.nodes.values()):
            path = self.mangle(self.pick('p'))
        else:
            path = self.any_path('fl')
        mode = r.choice(['644', '600', '000', '755', '444', '222', '4755'])
        self.emit('open', s, encode(path), flags, mode)
        self.recent = [x for x in self.recent if x != s][-3:] + [s]
        base = path.rstrip('/').rsplit('/', 1)[-1]
        if base in FIFO_NAMES:
            self.fifo_serial += 1
            self.slot_kind[s] = 'p'
            self.slot_pipe[s] = base          # all opens of one FIFO share its buffer
        else:
            self.slot_kind[s] = 'f'
            self.slot_pipe.pop(s, None)

    def io_size(self, slot):
        if slot in PIPE_SLOTS or self.slot_kind.get(slot) == 'p':
            return self.r.choice([0, 1, 7, 100, 1000, 4096])
        return self.r.choice(SIZES)

    def pipe_write_ok(self, slot):
        ident = self.slot_pipe.get(slot)
        if ident is None:
            return True
        n = self.pipe_writes.get(ident, 0)
        if n >= MAX_PIPE_WRITES:
            return False
        self.pipe_writes[ident] = n + 1
        return True

    def op_io(self):
        r = self.r
        use_pipe = r.random() < 0.12
        if use_pipe:
            s = r.choice(PIPE_SLOTS)
        elif self.recent and r.random() < 0.8:
            s = self.recent[-1] if r.random() < 0.6 else r.choice(self.recent)
        else:
            s = r.choice(FILE_SLOTS)
        kind = r.choices(['read', 'write', 'pread', 'pwrite', 'lseek', 'ftruncate', 'fstat',
                          'fsync', 'close', 'fchmod'], [16, 22, 8, 10, 8, 6, 6, 2, 5, 2])[0]
        if kind in ('write', 'pwrite') and not self.pipe_write_ok(s):
            kind = 'read'
        if kind == 'read':
            self.emit('read', s, self.io_size(s))
        elif kind == 'pread':
            self.emit('pread', s, self.io_size(s), r.choice(OFFSETS))
        elif kind == 'write':
            self.emit('write', s, self.io_size(s), r.randrange(1 << 30))
        elif kind == 'pwrite':
            self.emit('pwrite', s, self.io_size(s), r.randrange(1 << 30), r.choice(OFFSETS))
        elif kind == 'lseek':
            self.emit('lseek', s, r.choice(OFFSETS + [-1, -100000]),
                      r.choice(['SET', 'CUR', 'END']))
        elif kind == 'ftruncate':
            self.emit('ftruncate', s, r.choice(TRUNC_SIZES))
        elif kind == 'fchmod':
            self.emit('fchmod', s, r.choice(MODES_FILE))
        else:
            self.emit(kind, s)
            if kind == 'close' and s in self.recent:
                self.recent.remove(s)

    def op_data_session(self):
        """A file opened read-write at the top (likely to succeed), then a burst of I/O."""
        r = self.r
        s = r.choice(FILE_SLOTS)
        name = r.choice(['d0', 'd1', 'd2', 'd3', 'sub/d4'])
        flags = r.choice(['RDWR|CREAT', 'RDWR|CREAT', 'RDWR|CREAT|APPEND', 'RDWR|CREAT|TRUNC',
                          'WRONLY|CREAT', 'RDONLY|CREAT'])
        self.emit('open', s, name, flags, r.choice(['644', '644', '600', '444']))
        self.add(name, 'f')
        self.slot_kind[s] = 'f'
        self.slot_pipe.pop(s, None)
        self.recent = [x for x in self.recent if x != s][-3:] + [s]
        for _ in range(r.randint(2, 8)):
            kind = r.choices(['read', 'write', 'pread', 'pwrite', 'lseek', 'ftruncate', 'fstat'],
                             [12, 20, 8, 10, 8, 5, 4])[0]
            if kind == 'read':
                self.emit('read', s, self.io_size(s))
            elif kind == 'pread':
                self.emit('pread', s, self.io_size(s), r.choice(OFFSETS))
            elif kind == 'write':
                self.emit('write', s, self.io_size(s), r.randrange(1 << 30))
            elif kind == 'pwrite':
                self.emit('pwrite', s, self.io_size(s), r.randrange(1 << 30), r.choice(OFFSETS))
            elif kind == 'lseek':
                self.emit('lseek', s, r.choice(OFFSETS), r.choice(['SET', 'CUR', 'END']))
            elif kind == 'ftruncate':
                self.emit('ftruncate', s, r.choice(TRUNC_SIZES))
            else:
                self.emit('fstat', s)

    def op_pipe(self):
        a = self.r.choice([8, 10])
        self.emit('pipe', a, a + 1)
        self.fifo_serial += 1
        ident = 'pipe%d' % self.fifo_serial
        self.slot_pipe[a] = ident
        self.slot_pipe[a + 1] = ident

    def op_name(self):
        r = self.r
        kind = r.choices(['mkdir', 'rmdir', 'unlink', 'rename', 'link', 'symlink', 'readlink',
                          'stat', 'lstat', 'chmod', 'access', 'truncate', 'listdir', 'mkfifo'],
                         [14, 6, 8, 12, 6, 10, 5, 10, 8, 5, 5, 4, 4, 1])[0]
        if kind == 'mkdir':
            p = self.new_path() if r.random() < 0.8 else self.any_path()
            self.add(p, 'd')
            self.emit('mkdir', encode(self.mangle(p) if r.random() < 0.2 else p),
                      r.choice(['755', '755', '700', '777', '1777', '2775', '000']))
        elif kind == 'rmdir':
            p = self.any_path('d')
            self.remove(p)
            self.emit('rmdir', encode(p))
        elif kind == 'unlink':
            p = self.any_path('flp')
            self.remove(p)
            self.emit('unlink', encode(p))
        elif kind == 'rename':
            a = self.any_path()
            if r.random() < 0.5:
                b = self.new_path()
            elif r.random() < 0.7:
                b = self.pick()                             # over something existing
            else:
                b = self.any_path()
            if a.rstrip('/').rsplit('/', 1)[-1] in FIFO_NAMES or \
                    b.rstrip('/').rsplit('/', 1)[-1] in FIFO_NAMES:
                return
            self.move(a, b)
            self.emit('rename', encode(a), encode(b))
        elif kind == 'link':
            a = self.any_path('fl')
            b = self.new_path() if r.random() < 0.7 else self.any_path()
            if b.rstrip('/').rsplit('/', 1)[-1] in FIFO_NAMES:
                return
            self.add(b, self.nodes.get(a.strip('/'), 'f'))
            self.emit('link', encode(a), encode(b))
        elif kind == 'symlink':
            t = self.link_target()
            if r.random() < 0.1:
                p = 'loop' + str(r.randint(0, 2))
            else:
                p = self.new_path() if r.random() < 0.85 else self.any_path()
            if any(n in t.split('/') for n in FIFO_NAMES) or \
                    p.rstrip('/').rsplit('/', 1)[-1] in FIFO_NAMES:
                return
            self.add(p, 'l')
            self.emit('symlink', encode(t), encode(p))
        elif kind == 'readlink':
            self.emit('readlink', encode(self.any_path('l')), r.choice([1, 3, 64, 4096]))
        elif kind in ('stat', 'lstat', 'listdir'):
            self.emit(kind, encode(self.any_path()))
        elif kind == 'chmod':
            p = self.any_path()
            mode = r.choice(MODES_DIR if self.nodes.get(p.strip('/')) == 'd' else MODES_FILE)
            if p.strip('/') in ('', '.', '..') or p.startswith('..') or p == '~':
                mode = '755'
            self.emit('chmod', encode(p), mode)
        elif kind == 'access':
            self.emit('access', encode(self.any_path()),
                      r.choice(['F', 'R', 'W', 'X', 'RW', 'RX', 'WX', 'RWX']))
        elif kind == 'truncate':
            self.emit('truncate', encode(self.any_path('f')), r.choice(TRUNC_SIZES))
        elif kind == 'mkfifo':
            parent = self.pick('d')
            p = self.join(parent, r.choice(FIFO_NAMES))
            self.add(p, 'p')
            self.emit('mkfifo', encode(p), r.choice(['644', '600', '666']))

    def generate(self, nops):
        r = self.r
        # a small starting tree, so that early operations have something to work on
        for name in ('a', 'b', 'sub'):
            self.emit('mkdir', name, '755')
            self.nodes[name] = 'd'
        self.emit('open', 0, 'sub/f', 'RDWR|CREAT', '644')
        self.nodes['sub/f'] = 'f'
        self.slot_kind[0] = 'f'
        self.emit('write', 0, 5000, 7)
        self.emit('symlink', 'sub/f', 'lf')
        self.nodes['lf'] = 'l'
        for i in range(nops):
            x = r.random()
            if i % 40 == 39:
                self.emit('chmod', '/', '755')
            if x < 0.18:
                self.op_open()
            elif x < 0.26:
                self.op_data_session()
            elif x < 0.55:
                self.op_io()
            elif x < 0.57:
                self.op_pipe()
            else:
                self.op_name()
        self.emit('chmod', '/', '755')
        return '\n'.join(self.out) + '\n'


def generate(seed, nops=150):
    return Gen(seed).generate(nops)


if __name__ == '__main__':
    if len(sys.argv) not in (2, 3):
        sys.exit('usage: gen.py SEED [NOPS]')
    sys.stdout.write(generate(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) == 3 else 150))
