#!/usr/bin/env python3
"""Drive a program on a pseudo-terminal as a person would, for tests/integration/tty.

    ptydrive.py [--rows R --cols C] STEPS -- COMMAND ARGS...

COMMAND runs as the session leader of a fresh pty (its controlling terminal, its stdin,
stdout and stderr). STEPS is a Python literal list of steps, run in order:
    ("wait", "text")     until the screen output so far contains text (20 s at most)
    ("send", "keys")     type keys (a str; "\\x03" is ^C)
    ("resize", R, C)     change the window size (the kernel sends the program SIGWINCH)
    ("signal", N)        send host signal N to the program
Then it waits for the program to end (20 s at most, else kills it) and prints:
    transcript: the output as a Python bytes literal (so \\r, \\x08 are visible)
    status: the exit status (128+N for a signal, as a shell shows it)
    termios-restored: 1 if the terminal's settings after the run are those before it
Waits on output instead of sleeping, so the run is as fast as the program.
"""
import ast
import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time


def main():
    args = sys.argv[1:]
    rows, cols = 24, 80
    while args and args[0] in ("--rows", "--cols"):
        if args[0] == "--rows":
            rows = int(args[1])
        else:
            cols = int(args[1])
        args = args[2:]
    steps = ast.literal_eval(args[0])
    assert args[1] == "--"
    cmd = args[2:]
    master, slave = os.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    before = termios.tcgetattr(slave)

    def child_setup():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave,
                            preexec_fn=child_setup, close_fds=True)
    out = bytearray()

    def pump(until, text=None):
        while time.time() < until:
            if text is not None and text.encode() in out:
                return True
            r = select.select([master], [], [], 0.05)[0]
            if r:
                try:
                    d = os.read(master, 4096)
                except OSError:
                    return False
                if not d:
                    return False
                out.extend(d)
            elif proc.poll() is not None and text is not None:
                return text.encode() in out
        return text is None or text.encode() in out

    ok = True
    for step in steps:
        kind = step[0]
        if kind == "wait":
            if not pump(time.time() + 20, step[1]):
                print("ptydrive: timed out waiting for %r" % step[1])
                ok = False
                break
        elif kind == "send":
            os.write(master, step[1].encode("latin-1"))
        elif kind == "resize":
            fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", step[1], step[2], 0, 0))
        elif kind == "signal":
            proc.send_signal(step[1])
        else:
            raise SystemExit("ptydrive: unknown step %r" % (step,))
    end = time.time() + 20
    while proc.poll() is None and time.time() < end:
        pump(time.time() + 0.1)
    if proc.poll() is None:
        proc.kill()
        print("ptydrive: killed the program: it did not end")
    pump(time.time() + 0.2)
    rc = proc.wait()
    status = rc if rc >= 0 else 128 - rc
    after = termios.tcgetattr(slave)
    print("transcript:", repr(bytes(out)))
    print("status:", status)
    print("termios-restored:", int(before == after))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
