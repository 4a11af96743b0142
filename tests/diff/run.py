#!/usr/bin/env python3
"""run.py: the vfs differential test (CTest: vfs_diff).

    run.py --host FSOPS_HOST --lib FSOPS_LIB [--count N] [--seed S] [--nops K] [--jobs J]
           [--keep DIR]

For seeds S..S+N-1: generate a script with gen.py, run it with fsops_host (Linux tmpfs under
/dev/shm, chrooted, as nobody) and with fsops_lib (vfs_core), and compare the two outputs
byte for byte. A difference prints the seed, the first differing lines with their
operations, and (with --keep) saves the script and both outputs. Exit status: 0 all equal,
1 differences or a crash, 77 skipped (not root: fsops_host needs to chroot and setuid).
Reproduce one seed by hand with:  gen.py SEED K > s; fsops_host /dev/shm/r s; fsops_lib - s
"""
import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402


def first_difference(a, b, context=3):
    la, lb = a.splitlines(), b.splitlines()
    for i in range(max(len(la), len(lb))):
        x = la[i] if i < len(la) else '<missing>'
        y = lb[i] if i < len(lb) else '<missing>'
        if x != y:
            lines = ['  line %d:' % (i + 1)]
            for j in range(max(0, i - context), i):
                lines.append('    = ' + la[j][:200])
            lines.append('    linux: ' + x[:300])
            lines.append('    vfs:   ' + y[:300])
            return '\n'.join(lines)
    return '  (no line differs)'


def run_one(args, base, seed):
    script = gen.generate(seed, args.nops)
    spath = os.path.join(base, 'script-%d' % seed)
    with open(spath, 'w') as f:
        f.write(script)
    root = os.path.join(base, 'root-%d' % seed)
    host_env = dict(os.environ, ASAN_OPTIONS='detect_leaks=0')  # no /proc in the chroot
    try:
        h = subprocess.run([args.host, root, spath], capture_output=True, env=host_env,
                           timeout=60)
        l = subprocess.run([args.lib, '-', spath], capture_output=True, timeout=60)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if h.returncode == 77:
        return 'skip', h.stderr.decode(errors='replace')
    report = None
    if h.returncode != 0 or l.returncode != 0:
        report = ('seed %d: exit codes linux=%d vfs=%d\n%s%s' %
                  (seed, h.returncode, l.returncode, h.stderr.decode(errors='replace')[-2000:],
                   l.stderr.decode(errors='replace')[-2000:]))
    elif h.stdout != l.stdout:
        report = 'seed %d: outputs differ\n%s' % (
            seed, first_difference(h.stdout.decode(errors='replace'),
                                   l.stdout.decode(errors='replace')))
    if report and args.keep:
        os.makedirs(args.keep, exist_ok=True)
        shutil.copy(spath, os.path.join(args.keep, 'script-%d' % seed))
        for name, out in (('linux', h.stdout), ('vfs', l.stdout)):
            with open(os.path.join(args.keep, '%s-%d.out' % (name, seed)), 'wb') as f:
                f.write(out)
    os.unlink(spath)
    ops = script.count('\n')
    return ('fail', report) if report else ('ok', ops)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--host', required=True)
    ap.add_argument('--lib', required=True)
    ap.add_argument('--count', type=int, default=300)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--nops', type=int, default=150)
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--keep')
    args = ap.parse_args()
    if os.geteuid() != 0:
        print('vfs_diff: skipped: fsops_host must start as root (it chroots, then drops to '
              'nobody)')
        return 77
    base = tempfile.mkdtemp(prefix='vfsdiff.', dir='/dev/shm')
    os.chmod(base, 0o755)
    failures, ops, done = [], 0, 0
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = [pool.submit(run_one, args, base, args.seed + i)
                       for i in range(args.count)]
            for fut in futures:
                status, info = fut.result()
                if status == 'skip':
                    print('vfs_diff: skipped:', info.strip())
                    return 77
                if status == 'fail':
                    failures.append(info)
                else:
                    ops += info
                    done += 1
    finally:
        shutil.rmtree(base, ignore_errors=True)
    for f in failures[:10]:
        print(f)
    print('vfs_diff: %d scripts, %d equal (%d operations), %d different' %
          (args.count, done, ops, len(failures)))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
