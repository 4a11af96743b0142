#!/usr/bin/env python3
"""Veridian benchmarks: ours (host time inside vrsim) beside the Linux-native figure.

Each guest figure is a difference of two runs with different iteration counts, divided by
the difference in iterations, so boot and teardown cancel out. Timings come from vrsim's
own --stats (host_ms, from start to exit). Every figure is measured REPS times (a small and
a big run back to back make one sample); a row reports the median and the spread.

build/bench/results.json is a list of rows, one per benchmark:
  name        what was measured; the key of the row. Today's names never change; a new row
              takes a name no other row has (say which implementation it measures, e.g.
              "MMIO read, our device model" beside "MMIO read, QEMU bridge"): main() refuses
              a duplicate.
  ours_ns     the median of our samples, in ns (unit says so)
  unit        "ns"
  min, max    the smallest and largest of our samples, in unit
  linux_ns    the median of the Linux-native samples (null when there is none)
  linux_min, linux_max  their spread (null likewise)
  ratio       ours_ns / linux_ns (null when there is no Linux figure)
  samples     how many samples each figure has
The recording-overhead row also has cpu_pct (cpu_pct_min, cpu_pct_max): the same overhead in
CPU time (user + system) instead of host_ms's wall clock.
Memory is not a time: vrsim's peak RSS is the field peak_rss_kib (KiB, the largest of the
boot runs) of the row that boots the default image, not a row of its own.
"""
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
VRSIM = os.path.join(BUILD, "bin", "vrsim")
IMAGE = os.path.join(BUILD, "veridian.bootfs")
TESTIMAGE = os.path.join(BUILD, "test.bootfs")
REPS = int(os.environ.get("VERIDIAN_BENCH_REPS", "7"))


def vrsim_stats(image, *prog, vrsim_args=()):
    r = subprocess.run([VRSIM, "run", "--stats", "--quiet", "--pace", "free", *vrsim_args, image,
                        *(("--", *prog) if prog else ())],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise SystemExit(f"bench: {' '.join(prog)} failed ({r.returncode}):\n{r.stderr}")
    line = [l for l in r.stderr.splitlines() if l.startswith("vrsim-stats:")][0]
    return {k: float(v) if re.match(r"^[0-9.]+$", v) else v
            for k, v in re.findall(r"(\w+)=(\S+)", line)}


def spread(samples):
    """(median, min, max) of a list of numbers."""
    return statistics.median(samples), min(samples), max(samples)


def per_op(prog, small, big, key=None, vrsim_args=(), image=None):
    """host ns per operation, one sample per small/big pair:
    (t(big) - t(small)) / (ops(big) - ops(small))."""
    def measure(n):
        s = vrsim_stats(image or TESTIMAGE, *prog, str(n), vrsim_args=vrsim_args)
        return s["host_ms"] * 1e6, (s[key] if key else n)
    samples = []
    for _ in range(REPS):
        ts, os_ = measure(small)
        tb, ob = measure(big)
        samples.append((tb - ts) / (ob - os_))
    return samples


def service_start_ns():
    """host ns from spawn to ready per service: init starting N services that signal
    readiness, difference of N=5 and N=45 (one sample per pair)."""
    root = os.path.join(BUILD, "testfs")
    mkbootfs = os.path.join(BUILD, "bin", "mkbootfs")
    tmp = tempfile.mkdtemp()
    try:
        def image(n):
            toml = os.path.join(tmp, f"services{n}.toml")
            with open(toml, "w") as f:
                for i in range(n):
                    f.write(f'[[services]]\nname = "s{i}"\npath = "/test/svcdemo"\n'
                            f'args = ["ready"]\nreadiness = "notify"\n')
            img = os.path.join(tmp, f"s{n}.bootfs")
            subprocess.run([mkbootfs, "-o", img, root, "--add", f"/etc/services.toml={toml}"],
                           check=True, stdout=subprocess.DEVNULL)
            return img
        small, big = image(5), image(45)
        samples = []
        for _ in range(REPS):
            ts = vrsim_stats(small, "/bin/true")["host_ms"]
            tb = vrsim_stats(big, "/bin/true")["host_ms"]
            samples.append((tb - ts) * 1e6 / 40)
        return samples
    finally:
        shutil.rmtree(tmp)


def linux(name, n, *args):
    exe = os.path.join(BUILD, "bench", "linux_" + name)
    vals = []
    for _ in range(REPS):
        r = subprocess.run([exe, *args, str(n)], stdout=subprocess.PIPE, text=True, check=True)
        vals.append(float(r.stdout.strip()))
    return vals


def fmt(v, width):
    if v is None:
        return f"{'-':>{width}}"
    return f"{v:>{width}.1f}"


def record_replay():
    """Recording overhead (% host time of vrsim run --record over a plain run) and replay time
    (vrsim replay's host time over the recording run's), on a console-I/O-heavy run:
    /test/readline echoing 20000 piped lines. Host time is vrsim's own --stats host_ms (wall
    clock); the same overhead in CPU time (user + system, from the children's rusage) comes
    beside it, since on a loaded machine the wall clock also counts waiting for a CPU."""
    text = "".join(f"line {i} of the recording benchmark, some text to echo\n"
                   for i in range(20000))
    os.makedirs(os.path.join(BUILD, "bench"), exist_ok=True)
    log = os.path.join(BUILD, "bench", "record.log")

    def host_ms(args, stdin):
        """(host_ms, CPU ms) of one vrsim run"""
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        r = subprocess.run([VRSIM, *args], input=stdin, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        if r.returncode != 0:
            raise SystemExit(f"bench: vrsim {' '.join(args)} failed ({r.returncode}):\n{r.stderr}")
        line = [l for l in r.stderr.splitlines() if l.startswith("vrsim-stats:")][0]
        cpu = 1000.0 * (r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
        return float(re.search(r"host_ms=([0-9.]+)", line).group(1)), cpu
    run = ["run", "--stats", "--quiet", "--pace", "free"]
    prog = [TESTIMAGE, "--", "/test/readline"]
    overhead, replay, cpu_overhead = [], [], []
    for _ in range(REPS):
        plain = host_ms(run + prog, text)
        rec = host_ms(run + ["--record", log] + prog, text)
        rep = host_ms(["replay", log], "")
        overhead.append(100.0 * (rec[0] - plain[0]) / plain[0])
        cpu_overhead.append(100.0 * (rec[1] - plain[1]) / plain[1])
        replay.append(rep[0] / rec[0])
    return overhead, replay, cpu_overhead


def image_without(service, d):
    """The test image with its /etc/services.toml minus one service (e.g. netstack, for a
    program that drives the NIC itself), built in directory d: its path."""
    root = os.path.join(d, "root")
    shutil.copytree(os.path.join(BUILD, "testfs"), root)
    toml = os.path.join(root, "etc", "services.toml")
    blocks = re.split(r"(?m)^(?=\[\[services\]\])", open(toml).read())
    keep = [b for b in blocks if not re.search(rf'(?m)^name = "{service}"$', b)]
    with open(toml, "w") as f:
        f.write("".join(keep))
    image = os.path.join(d, "nonet.bootfs")
    subprocess.run([os.path.join(BUILD, "bin", "mkbootfs"), "-o", image, root], check=True,
                   stdout=subprocess.DEVNULL)
    return image


def main():
    results = []

    def add(name, ours, lin=None, unit="ns", **extra):
        if any(r["name"] == name for r in results):
            raise SystemExit(f"bench: two rows named {name!r}: give the new one its own name")
        med, lo, hi = spread(ours)
        row = {"name": name, "ours_ns": round(med, 1), "linux_ns": None, "ratio": None,
               "unit": unit, "min": round(lo, 1), "max": round(hi, 1), "linux_min": None,
               "linux_max": None, "samples": len(ours)}
        if lin:
            lmed, llo, lhi = spread(lin)
            row.update(linux_ns=round(lmed, 1), linux_min=round(llo, 1), linux_max=round(lhi, 1),
                       ratio=round(med / lmed, 3))
        row.update(extra)
        results.append(row)

    add("ipc call+reply round trip (vs pipe ping-pong, 2 threads)",
        per_op(["/test/pingpong"], 20000, 220000), linux("ipc_pipe", 100000))
    add("thread switch (vs sched_yield pair on one cpu)",
        per_op(["/test/yieldloop"], 20000, 220000, key="switches"),
        linux("thread_switch", 200000))
    add("pthread mutex lock+unlock, uncontended (vs glibc)",
        per_op(["/test/ptbench", "mutex"], 100000, 2100000), linux("ptbench", 10000000, "mutex"))
    add("pthread condvar ping-pong round trip, 2 threads (vs glibc, one cpu)",
        per_op(["/test/ptbench", "cond"], 10000, 210000), linux("ptbench", 200000, "cond"))
    add("signal round trip: kill(getpid()) to handler and back (vs Linux)",
        per_op(["/test/sigbench"], 10000, 210000), linux("sigbench", 1000000))
    add("socket()+close, TCP, through netstack (vs Linux)",
        per_op(["/test/sockbench", "socket"], 2000, 22000), linux("sockbench", 100000, "socket"))
    add("TCP connect+accept+close over loopback, through netstack (vs Linux 127.0.0.1)",
        per_op(["/test/sockbench", "connect"], 1000, 11000), linux("sockbench", 5000, "connect"))
    add("spawn+wait of a trivial program (vs posix_spawn+waitpid /bin/true)",
        per_op(["/test/spawnloop"], 200, 2200), linux("spawn", 500))
    for op, what in (("open", "open+close"), ("stat", "stat"), ("read", "4 KiB pread")):
        add(f"file {what} on tmpfs (vs Linux tmpfs /dev/shm)",
            per_op(["/test/fsbench", op], 2000, 22000), linux("fsbench", 200000, op))
    # Devices: /test/kdev runs as the first process (--no-init), holding the root resource.
    add("MMIO read of an edu register, traced kernel call (vs getppid syscall)",
        per_op(["/test/kdev", "reads"], 20000, 2020000, vrsim_args=("--no-init",)),
        linux("devread", 1000000, "syscall"),
        sysfs_config_read_ns=statistics.median(linux("devread", 20000, "config")))
    add("edu 4 KiB DMA, MSI-completed, per transfer (vs 4 KiB pread of /dev/zero)",
        per_op(["/test/kdev", "dmas"], 200, 20200, vrsim_args=("--no-init",)),
        linux("devread", 200000, "copy"))
    # The same two on QEMU's edu through the qtest bridge (--backend qemu, issue 15): host time
    # per access is a qtest round trip to the QEMU child and back.
    qemu = os.environ.get("VERIDIAN_QEMU")
    if qemu:
        qargs = ("--no-init", "--backend", "qemu", "--qemu", qemu)
        add("MMIO read of an edu register, QEMU bridge (qtest round trip; vs getppid syscall)",
            per_op(["/test/kdev", "reads"], 2000, 22000, vrsim_args=qargs),
            linux("devread", 1000000, "syscall"))
        add("edu 4 KiB DMA, MSI-completed, per transfer, QEMU bridge "
            "(vs 4 KiB pread of /dev/zero)",
            per_op(["/test/kdev", "dmas"], 20, 220, vrsim_args=qargs),
            linux("devread", 200000, "copy"))
    blk_machine = os.path.join(BUILD, "machines", "blk.toml")
    add("virtio-blk 4 KiB random pread of /dev/vda through vfs and the driver "
        "(vs pread of the image file)",
        per_op(["/test/blkbench"], 2000, 22000, vrsim_args=("--machine", blk_machine)),
        linux("blkread", 200000, os.path.join(BUILD, "machines", "blk.img")))
    # Frames between a ring client (/test/netring, in the netstack's place) and
    # drivers/virtio-net through the shared frame rings (veridian/netdev.h), out and back on
    # a loopback wire, in bursts of 32: host time per frame (no Linux figure). An image without
    # the netstack service: the ring has one client.
    with tempfile.TemporaryDirectory() as d:
        loop_machine = os.path.join(d, "loop.toml")
        with open(loop_machine, "w") as f:
            f.write('memory = "1G"\n[[pci]]\nslot = "07.0"\nmodel = "virtio-net"\n'
                    'wire = "loopback"\n')
        add("virtio-net frame out and back through the frame rings, client <-> driver, "
            "loopback wire",
            per_op(["/test/netring", "flood"], 1000, 21000,
                   vrsim_args=("--machine", loop_machine), image=image_without("netstack", d)))
    add("shell command launch: vsh -c /bin/true, spawn to exit (vs dash -c /bin/true)",
        per_op(["/test/shbench"], 20, 220), linux("shell", 500))
    prompt = [vrsim_stats(IMAGE) for _ in range(REPS)]
    add("boot to the shell and its exit on empty input (default image, no PROGRAM)",
        [s["host_ms"] * 1e6 for s in prompt])
    add("service start: spawn to ready, per service (init, 45 vs 5 services)",
        service_start_ns())
    overhead, replay, cpu_overhead = record_replay()
    add("recording overhead: vrsim run --record vs a plain run, 20000 console lines echoed "
        "(% host time)", overhead, unit="%",
        cpu_pct=round(statistics.median(cpu_overhead), 1),
        cpu_pct_min=round(min(cpu_overhead), 1), cpu_pct_max=round(max(cpu_overhead), 1))
    add("replay: vrsim replay's host time / the recorded run's (same 20000 lines)", replay,
        unit="x")
    boot = [vrsim_stats(IMAGE, "/bin/hello") for _ in range(REPS)]
    add("vrsim start to first program's exit (/bin/hello)",
        [s["host_ms"] * 1e6 for s in boot],
        peak_rss_kib=int(max(s["peak_rss_kb"] for s in boot)))

    os.makedirs(os.path.join(BUILD, "bench"), exist_ok=True)
    out = os.path.join(BUILD, "bench", "results.json")
    with open(out, "w") as f:
        json.dump(results, f, indent=2)

    w = max(len(r["name"]) for r in results)
    print(f"{'benchmark':<{w}}  {'median':>11}  {'min - max':>23}  {'linux':>11}  {'ratio':>6}")
    for r in results:
        rng = f"{r['min']:.1f} - {r['max']:.1f}"
        ratio = f"{r['ratio']:>6.2f}" if r["ratio"] is not None else f"{'-':>6}"
        print(f"{r['name']:<{w}}  {fmt(r['ours_ns'], 8)} {r['unit']:<2}  {rng:>23}  "
              f"{fmt(r['linux_ns'], 11)}  {ratio}")
    rss = [r for r in results if "peak_rss_kib" in r][0]["peak_rss_kib"]
    mmio = [r for r in results if "sysfs_config_read_ns" in r][0]
    dma = [r for r in results if r["name"].startswith("edu 4 KiB DMA")][0]
    print(f"edu DMA: {1e9 / dma['ours_ns']:.0f} transfers/s of host time; Linux reads 4 bytes "
          f"of a PCI function's config space through sysfs in {mmio['sysfs_config_read_ns']:.1f} "
          f"ns on this host (nan: no PCI in sysfs)")
    blk = [r for r in results if r["name"].startswith("virtio-blk 4 KiB")][0]
    print(f"virtio-blk: {1e9 / blk['ours_ns']:.0f} random 4 KiB reads/s of host time; Linux "
          f"{1e9 / blk['linux_ns']:.0f}/s from the page cache")
    ring = [r for r in results if r["name"].startswith("virtio-net frame out and back")][0]
    print(f"virtio-net frame rings: {1e9 / ring['ours_ns']:.0f} frames/s out and back of host "
          f"time")
    print(f"vrsim peak RSS booting the default image: {rss} KiB")
    rec = [r for r in results if r["name"].startswith("recording overhead")][0]
    print(f"recording overhead in CPU time (user + system): {rec['cpu_pct']:.1f} % "
          f"({rec['cpu_pct_min']:.1f} - {rec['cpu_pct_max']:.1f})")
    print(f"({REPS} samples per figure, ns; written to {out}; goals: IPC < 150 ns, spawn+wait "
          f"< 100000 ns, shell command launch < 500000 ns, boot to the shell < 50000000 ns, "
          f"service start < 1000000 ns, file open < 2000 ns, MMIO read < 100 ns, "
          f"RSS < 65536 KiB, recording overhead < 10 %)")


if __name__ == "__main__":
    main()
