#!/usr/bin/env python3
"""insfuzz driver: runs the instruction fuzzer (tests/integration/progs/insfuzz.c) in vrsim
and checks that vrsim survives every run (issue #8, containment).

The runs FIRST .. FIRST+RUNS-1 of SEED are split into contiguous chunks, one vrsim per chunk,
on a pool of --jobs workers. insfuzz prints "insfuzz: run I" before it spawns run I, so when
vrsim dies (killed by a signal, hung past --timeout, no "trace-digest:" line, a sanitizer
report, or insfuzz's summary missing) the last such line names the run that killed it; the
driver records it and restarts the chunk after it, so one pass reports every crashing run.

Each failure is then classified by replaying it alone (`insfuzz -c SEED I`): without each
rflags bit it sets (AC, TF, DF, NT: insfuzz -c SEED I ac keeps every other choice), and, for
runs built from snippets, each snippet alone after zeroed registers followed by a kernel call
or a fault (`insfuzz -s NAME k|f`), the smallest reproducer. Failures with one class are
grouped; the summary lists each class with its count, an example run and the command that
reproduces it.

  insfuzz.py --vrsim build/bin/vrsim --image build/test.bootfs --runs 10000 --seed 1
Exit status: 0 when vrsim survived every run, 1 otherwise.
"""
import argparse
import concurrent.futures
import os
import re
import signal
import subprocess
import sys
import threading
import time

DIGEST_RE = re.compile(r"^trace-digest: [0-9a-f]{16}$")
RUN_RE = re.compile(r"^insfuzz: run (\d+)$", re.M)
DONE_RE = re.compile(r"^insfuzz: done: (\d+) runs .*?:(.*); spawn failures (\d+)$", re.M)
SANITIZER_RE = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|"
                          r"UndefinedBehaviorSanitizer|AddressSanitizer:DEADLYSIGNAL")
FLAGS = [("ac", 0x40000), ("tf", 0x100), ("df", 0x400), ("nt", 0x4000)]


class Fuzz:
    def __init__(self, o):
        self.o = o
        self.base = [o.vrsim, "run", "--no-init", "--quiet", "--watchdog-ms",
                     str(o.watchdog_ms), o.image, "--", "/test/insfuzz"]

    def vrsim(self, args, timeout=None):
        """(returncode or None when hung, stdout, stderr, verdict or None). Hung: no new
        stdout line for --stall seconds (each run prints one; a run takes well under a
        second), or past --timeout in all."""
        p = subprocess.Popen(self.base + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
        out, err, last = [], [b"", b""], [time.monotonic()]

        def read_out():
            for line in p.stdout:
                out.append(line)
                last[0] = time.monotonic()

        def read_err():  # keep the head and the tail (a looping handler can print forever)
            while True:
                b = p.stderr.read1(65536)
                if not b:
                    break
                if len(err[0]) < 65536:
                    err[0] += b
                else:
                    err[1] = (err[1] + b)[-65536:]

        threads = [threading.Thread(target=f, daemon=True) for f in (read_out, read_err)]
        for t in threads:
            t.start()
        start, rc = time.monotonic(), None
        while True:
            try:
                rc = p.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                now = time.monotonic()
                if now - last[0] > self.o.stall or now - start > (timeout or self.o.timeout):
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
                    break
        for t in threads:
            t.join(5)
        out = b"".join(out).decode(errors="replace")
        err = (err[0] + (b"\n[...]\n" if err[1] else b"") + err[1]).decode(errors="replace")
        return rc, out, err, verdict(rc, err)

    def chunk(self, first, count):
        """Run [first, first+count), restarting after every run that kills vrsim.
        Returns (histogram dict, failures [(index, verdict, stderr tail)], vrsim starts)."""
        hist, fails, starts = {}, [], 0
        end = first + count
        excl = [self.o.exclude] if self.o.exclude else []
        while first < end:
            starts += 1
            rc, out, err, v = self.vrsim([str(end - first), str(self.o.seed), str(first)] + excl)
            done = DONE_RE.search(out)
            if v is None and done is None:
                v = "insfuzz stopped without its summary (exit %s)" % rc
            if v is None:
                for name, n in re.findall(r" ([\w-]+) (\d+)", done.group(2)):
                    hist[name] = hist.get(name, 0) + int(n)
                if int(done.group(3)):
                    fails.append((first, "%s spawn failures" % done.group(3), ""))
                break
            runs = RUN_RE.findall(out)
            culprit = int(runs[-1]) if runs else first
            # the runs before the culprit finished: count them as survived, unclassified
            hist["survived-before-crash"] = hist.get("survived-before-crash", 0) + culprit - first
            fails.append((culprit, v, err.strip().split("\n")[-3:]))
            first = culprit + 1
        return hist, fails, starts

    def dump(self, index):
        excl = [self.o.exclude] if self.o.exclude else []
        _, out, _, _ = self.vrsim(["-d", str(self.o.seed), str(index)] + excl, timeout=30)
        return out.strip()

    def classify(self, index, v):
        """(class, minimal reproducer command, dump)"""
        d = self.dump(index)
        sig = v
        excl = self.o.exclude.split(",") if self.o.exclude else []
        m = re.search(r"rflags (0x[0-9a-f]+)", d)
        rflags = int(m.group(1), 16) if m else 0
        for name, bit in FLAGS:
            if rflags & bit and name not in excl:
                _, _, _, v2 = self.vrsim(["-c", str(self.o.seed), str(index),
                                             ",".join(excl + [name])], timeout=30)
                if v2 != v:  # the crash needs the flag (without it: no crash, or another)
                    return ("%s: rflags.%s set on entry" % (sig, name.upper()),
                            self.cmd(["-s", "popf_" + name, "k"]) + "   # or: " +
                            self.cmd(["-c", str(self.o.seed), str(index)]), d)
        snips = re.findall(r"^  snippet: (\w+)$", d, re.M)
        for s in dict.fromkeys(snips):
            for tail in ("k", "f"):
                _, _, _, v2 = self.vrsim(["-s", s, tail], timeout=30)
                if v2 is not None and v2.split(" (")[0] == sig.split(" (")[0]:
                    return ("%s: snippet %s%s" % (sig, s, " then a kernel call" if tail == "k"
                                                   else " then a fault"),
                            self.cmd(["-s", s, tail]), d)
        mode = re.search(r"\): (\w+),", d)
        tail = re.search(r"tail: (.*)$", d, re.M)
        return ("%s: %s bytes, tail %s%s" % (sig, mode.group(1) if mode else "?",
                                           tail.group(1) if tail else "?",
                                           " (snippets " + ",".join(snips) + ")" if snips else ""),
                self.cmd(["-c", str(self.o.seed), str(index)] + ([self.o.exclude]
                                                                  if self.o.exclude else [])), d)

    def cmd(self, args):
        return " ".join(self.base + args)


def verdict(rc, err):
    if rc is None:
        return "hang"
    m = SANITIZER_RE.search(err)
    if m:
        return "sanitizer (%s)" % m.group(0)
    if rc < 0:
        return "vrsim killed by %s" % signal.Signals(-rc).name
    lines = err.rstrip("\n").split("\n")
    if not lines or not DIGEST_RE.match(lines[-1]):
        return "no trace-digest line (exit %d)" % rc
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vrsim", required=True)
    ap.add_argument("--image", required=True, help="the test image (with /test/insfuzz)")
    ap.add_argument("--runs", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--chunk", type=int, default=0, help="runs per vrsim (default: runs/jobs/4)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per vrsim run")
    ap.add_argument("--stall", type=float, default=10.0,
                    help="a vrsim that prints no run for this many seconds is hung")
    ap.add_argument("--watchdog-ms", type=int, default=20)
    ap.add_argument("--exclude", default="",
                    help="snippets and flags (ac,tf,df,nt) to leave out, comma-separated")
    ap.add_argument("--no-classify", action="store_true")
    ap.add_argument("--classify-max", type=int, default=300,
                    help="classify (replay) at most this many failures")
    ap.add_argument("--details", type=int, default=10,
                    help="print the dump of the first this many failures")
    o = ap.parse_args()
    fz = Fuzz(o)
    chunk = o.chunk or max(50, -(-o.runs // (o.jobs * 4)))
    ranges = [(f, min(chunk, o.first + o.runs - f)) for f in range(o.first, o.first + o.runs,
                                                                    chunk)]
    t0 = time.monotonic()
    hist, fails, starts = {}, [], 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, o.jobs)) as pool:
        for h, f, s in pool.map(lambda r: fz.chunk(*r), ranges):
            for k, v in h.items():
                hist[k] = hist.get(k, 0) + v
            fails += f
            starts += s
    secs = time.monotonic() - t0
    fails.sort()
    todo = fails if o.no_classify else fails[:o.classify_max]
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, o.jobs)) as pool:
        found = list(pool.map(lambda f: fz.classify(f[0], f[1]), [] if o.no_classify else todo))
    classes = {}
    for k, (index, v, tail) in enumerate(fails):
        cls, minimal, d = found[k] if k < len(found) else ("not classified", None, "")
        print("FAIL: run %d (seed %d): %s; class: %s" % (index, o.seed, v, cls))
        if k < o.details:
            for line in tail:
                print("    stderr: %s" % line[:200])
            print("    reproduce: %s" % fz.cmd(["-c", str(o.seed), str(index)] +
                                                ([o.exclude] if o.exclude else [])))
            if minimal:
                print("    minimal: %s" % minimal)
            for line in d.split("\n") if d else []:
                print("    | %s" % line)
        c = classes.setdefault(cls, [0, index, minimal])
        c[0] += 1
    if classes:
        print("insfuzz: %d distinct host failure class(es):" % len(classes))
        for cls, (n, index, minimal) in sorted(classes.items(), key=lambda kv: -kv[1][0]):
            print("  %5d x %s (first: run %d)%s" % (n, cls, index,
                                                 "\n          " + minimal if minimal else ""))
    order = ["tail-exit", "other-exit", "SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE", "SIGTRAP",
             "other-sig", "syscall", "watchdog", "killed", "other", "survived-before-crash"]
    print("insfuzz: %d runs (seed %d, first %d%s) in %.1f s, %d vrsim start(s), %d job(s); "
          "children: %s; %d failure(s)" %
          (o.runs, o.seed, o.first, ", exclude " + o.exclude if o.exclude else "", secs, starts,
           o.jobs, ", ".join("%s %d" % (k, hist.get(k, 0)) for k in order if hist.get(k)),
           len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
