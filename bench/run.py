#!/usr/bin/env python3
"""Veridian benchmarks: ours (host time inside vrsim) beside the Linux-native figure.

Each guest figure is a difference of two runs with different iteration counts, divided by
the difference in iterations, so boot and teardown cancel out. Timings come from vrsim's
own --stats (host_ms, from start to exit). Writes build/bench/results.json as a list of
{"name", "ours_ns", "linux_ns", "ratio"} and prints a table.
"""
import json
import os
import re
import subprocess
import sys

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
VRSIM = os.path.join(BUILD, "bin", "vrsim")
IMAGE = os.path.join(BUILD, "veridian.bootfs")
TESTIMAGE = os.path.join(BUILD, "test.bootfs")
REPS = 5


def vrsim_stats(image, *prog):
    r = subprocess.run([VRSIM, "run", "--stats", "--quiet", "--pace", "free", image, "--", *prog],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise SystemExit(f"bench: {' '.join(prog)} failed ({r.returncode}):\n{r.stderr}")
    line = [l for l in r.stderr.splitlines() if l.startswith("vrsim-stats:")][0]
    return {k: float(v) if re.match(r"^[0-9.]+$", v) else v
            for k, v in re.findall(r"(\w+)=(\S+)", line)}


def best(f, reps=REPS):
    return min(f() for _ in range(reps))


def per_op(prog, small, big, key=None):
    """host ns per operation: (t(big) - t(small)) / (ops(big) - ops(small))."""
    def measure(n):
        s = vrsim_stats(TESTIMAGE, *prog, str(n))
        return s["host_ms"] * 1e6, (s[key] if key else n)
    runs_s = [measure(small) for _ in range(REPS)]
    runs_b = [measure(big) for _ in range(REPS)]
    ts, os_ = min(runs_s)
    tb, ob = min(runs_b)
    return (tb - ts) / (ob - os_)


def service_start_ns():
    """host ns from spawn to ready per service: init starting N services that signal
    readiness, difference of N=5 and N=45."""
    import shutil
    import tempfile
    root = os.path.join(BUILD, "testfs")
    mkbootfs = os.path.join(BUILD, "bin", "mkbootfs")
    tmp = tempfile.mkdtemp()
    try:
        def image(n):
            r = os.path.join(tmp, f"root{n}")
            shutil.copytree(root, r)
            with open(os.path.join(r, "etc", "services.toml"), "w") as f:
                for i in range(n):
                    f.write(f'[[services]]\nname = "s{i}"\npath = "/test/svcdemo"\n'
                            f'args = ["ready"]\nreadiness = "notify"\n')
            img = os.path.join(tmp, f"s{n}.bootfs")
            subprocess.run([mkbootfs, "-o", img, r], check=True, stdout=subprocess.DEVNULL)
            return img
        small, big = image(5), image(45)
        ts = min(vrsim_stats(small, "/bin/true")["host_ms"] for _ in range(REPS))
        tb = min(vrsim_stats(big, "/bin/true")["host_ms"] for _ in range(REPS))
        return (tb - ts) * 1e6 / 40
    finally:
        shutil.rmtree(tmp)


def linux(name, n, *args):
    exe = os.path.join(BUILD, "bench", "linux_" + name)
    vals = []
    for _ in range(REPS):
        r = subprocess.run([exe, *args, str(n)], stdout=subprocess.PIPE, text=True, check=True)
        vals.append(float(r.stdout.strip()))
    return min(vals)


def main():
    results = []

    def add(name, ours, lin, unit_note=""):
        results.append({"name": name, "ours_ns": round(ours, 1),
                        "linux_ns": round(lin, 1) if lin else None,
                        "ratio": round(ours / lin, 3) if lin else None})

    add("ipc call+reply round trip (vs pipe ping-pong, 2 threads)",
        per_op(["/test/pingpong"], 20000, 220000), linux("ipc_pipe", 100000))
    add("thread switch (vs sched_yield pair on one cpu)",
        per_op(["/test/yieldloop"], 20000, 220000, key="switches"),
        linux("thread_switch", 200000))
    add("spawn+wait of a trivial program (vs posix_spawn+waitpid /bin/true)",
        per_op(["/test/spawnloop"], 200, 2200), linux("spawn", 500))
    for op, what in (("open", "open+close"), ("stat", "stat"), ("read", "4 KiB pread")):
        add(f"file {what} on tmpfs (vs Linux tmpfs /dev/shm)",
            per_op(["/test/fsbench", op], 2000, 22000), linux("fsbench", 200000, op))
    add("service start: spawn to ready, per service (init, 45 vs 5 services)",
        service_start_ns(), None)
    boot = [vrsim_stats(IMAGE, "/bin/hello") for _ in range(REPS)]
    add("vrsim start to first program's exit (/bin/hello)",
        min(s["host_ms"] for s in boot) * 1e6, None)
    rss_kb = max(s["peak_rss_kb"] for s in boot)

    os.makedirs(os.path.join(BUILD, "bench"), exist_ok=True)
    out = os.path.join(BUILD, "bench", "results.json")
    results.append({"name": "vrsim peak RSS booting the default image (KiB)",
                    "ours_ns": rss_kb, "linux_ns": None, "ratio": None})
    with open(out, "w") as f:
        json.dump(results, f, indent=2)

    w = max(len(r["name"]) for r in results)
    print(f"{'benchmark':<{w}}  {'ours':>12}  {'linux':>12}  {'ratio':>7}")
    for r in results:
        lin = f"{r['linux_ns']:>12.1f}" if r["linux_ns"] else f"{'-':>12}"
        ratio = f"{r['ratio']:>7.2f}" if r["ratio"] else f"{'-':>7}"
        unit = "" if r["name"].startswith("vrsim peak RSS") else " ns"
        print(f"{r['name']:<{w}}  {r['ours_ns']:>9.1f}{unit:3}  {lin}  {ratio}")
    print(f"(written to {out}; goals: IPC < 150 ns, spawn+wait < 100000 ns, "
          f"service start < 1000000 ns, file open < 2000 ns, RSS < 65536 KiB)")


if __name__ == "__main__":
    main()
