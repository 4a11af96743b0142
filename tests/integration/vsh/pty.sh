# vsh on a terminal: vrsim on a pty (the host side of a console that is a terminal), the
# default boot. A prompt with the cwd appears, a typed command runs, cd changes the prompt,
# exit ends the machine with its status. (Line editing and up-arrow need the console's termios,
# which is not in libveridian yet; unit.vsh.lineedit covers the editor itself.)
set -e
. "$(dirname "$0")/../lib.sh"
command -v python3 >/dev/null || {
    echo "python3 is not installed: skipped"
    exit 77
}
python3 - "$VRSIM" "$IMAGE" >"$TMP/pty.out" <<'PY'
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], ["vrsim", "run", "--pace", "free", sys.argv[2]])
out = b""
def wait_for(what, t=20.0):
    global out
    end = time.time() + t
    while what not in out and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                return
            if not d:
                return
            out += d
wait_for(b"/ $ ")
os.write(fd, b"echo hello from the pty\r")
wait_for(b"hello from the pty")
os.write(fd, b"cd /tmp\r")
wait_for(b"/tmp $ ")
os.write(fd, b"exit 5\r")
wait_for(b"trace-digest")
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
print("status=%d" % os.WEXITSTATUS(st))
PY
o=$(cat "$TMP/pty.out")
expect_match "pty: the prompt shows the cwd" "$o" '^/ \$ '
expect_match "pty: a typed command runs" "$o" 'hello from the pty'
expect_match "pty: cd changes the prompt" "$o" '/tmp \$ '
expect_match "pty: exit 5 is vrsim's status" "$o" 'status=5'
expect_match "pty: clean shutdown" "$o" 'init: stopped vfs'
finish
