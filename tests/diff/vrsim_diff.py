#!/usr/bin/env python3
"""vrsim_diff.py: the vfs differential test, Linux against Veridian running in vrsim.

    vrsim_diff.py --host FSOPS_HOST --vrsim VRSIM --image TESTIMAGE [--count N] [--seed S]
                  [--nops K] [--keep DIR] [--mkbootfs MKBOOTFS --testroot TESTROOT]

For seeds S..S+N-1: generate a script with gen.py, run it with fsops_host (Linux tmpfs under
/dev/shm, chrooted, as nobody) and with /test/fsops inside vrsim (the real vfs server through
libveridian's file API, as nobody in a chroot of its session), and compare the outputs byte for
byte. /test/fsops starts as root and drops to nobody itself (like fsops_host): the console
program of the default configuration is not root, so with --mkbootfs and --testroot the image
is repacked from TESTROOT with `[init] console_user = "root"` added to its services.toml.
Exit status: 0 all equal, 1 differences, 77 skipped (not root).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402
from run import first_difference  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--host', required=True)
    ap.add_argument('--vrsim', required=True)
    ap.add_argument('--image', required=True)
    ap.add_argument('--count', type=int, default=200)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--nops', type=int, default=150)
    ap.add_argument('--keep')
    ap.add_argument('--mkbootfs')
    ap.add_argument('--testroot')
    args = ap.parse_args()
    if os.geteuid() != 0:
        print('vrsim_diff: skipped: fsops_host must start as root (it chroots, then drops)')
        return 77
    base = tempfile.mkdtemp(prefix='vrsimdiff.', dir='/dev/shm')
    os.chmod(base, 0o755)
    failures, ops = [], 0
    try:
        if args.mkbootfs and args.testroot:
            root = os.path.join(base, 'image')
            shutil.copytree(args.testroot, root)
            toml = os.path.join(root, 'etc', 'services.toml')
            with open(toml) as f:
                text = f.read()
            with open(toml, 'w') as f:
                if '\n[init]\n' in '\n' + text:
                    f.write(('\n' + text).replace('\n[init]\n', '\n[init]\nconsole_user = "root"\n',
                                                   1)[1:])
                else:
                    f.write('[init]\nconsole_user = "root"\n\n' + text)
            args.image = os.path.join(base, 'test.bootfs')
            subprocess.run([args.mkbootfs, '-o', args.image, root], check=True,
                           stdout=subprocess.DEVNULL)
        for seed in range(args.seed, args.seed + args.count):
            script = gen.generate(seed, args.nops)
            spath = os.path.join(base, 'script')
            with open(spath, 'w') as f:
                f.write(script)
            root = os.path.join(base, 'root-%d' % seed)
            env = dict(os.environ, ASAN_OPTIONS='detect_leaks=0')
            h = subprocess.run([args.host, root, spath], capture_output=True, env=env,
                               timeout=60)
            shutil.rmtree(root, ignore_errors=True)
            if h.returncode == 77:
                print('vrsim_diff: skipped:', h.stderr.decode(errors='replace').strip())
                return 77
            with open(spath, 'rb') as f:
                v = subprocess.run([args.vrsim, 'run', '--quiet', args.image, '--',
                                    '/test/fsops', '/tmp/fsops-root'],
                                   stdin=f, capture_output=True, timeout=120)
            report = None
            if h.returncode != 0 or v.returncode != 0:
                report = 'seed %d: exit codes linux=%d veridian=%d\n%s%s' % (
                    seed, h.returncode, v.returncode, h.stderr.decode(errors='replace')[-1500:],
                    v.stderr.decode(errors='replace')[-1500:])
            elif h.stdout != v.stdout:
                report = 'seed %d: outputs differ\n%s' % (
                    seed, first_difference(h.stdout.decode(errors='replace'),
                                           v.stdout.decode(errors='replace')))
            if report:
                failures.append(report)
                if args.keep:
                    os.makedirs(args.keep, exist_ok=True)
                    shutil.copy(spath, os.path.join(args.keep, 'script-%d' % seed))
                    for name, out in (('linux', h.stdout), ('veridian', v.stdout)):
                        with open(os.path.join(args.keep, '%s-%d.out' % (name, seed)), 'wb') as o:
                            o.write(out)
            else:
                ops += script.count('\n')
    finally:
        shutil.rmtree(base, ignore_errors=True)
    for f in failures[:10]:
        print(f)
    print('vrsim_diff: %d scripts, %d equal (%d operations), %d different' %
          (args.count, args.count - len(failures), ops, len(failures)))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
