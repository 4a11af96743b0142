# vrsim puts the host terminal back on every exit path: a normal end, Ctrl-A x, and the
# signals a user or a harness sends it (SIGTERM, SIGHUP, SIGINT).
set -e
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/pty.lib"

for sig in 15 1 2; do
    pty sig$sig "[(\"wait\",\"fd 2\"),(\"signal\",$sig)]" --no-init "$TESTIMAGE" -- /test/ttytest both
    expect_eq "signal $sig: vrsim ends by it" "$(pty_status sig$sig)" $((128 + sig))
    expect_eq "signal $sig: host terminal restored" "$(pty_restored sig$sig)" 1
done
pty escape '[("wait","fd 2"),("send","\x01x")]' --no-init "$TESTIMAGE" -- /test/ttytest both
expect_eq "Ctrl-A x: host terminal restored" "$(pty_restored escape)" 1
expect_lacks "Ctrl-A x: not input to the guest" "$(screen escape)" 'got'
finish
