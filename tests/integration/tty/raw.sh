# Raw mode through a pty: a guest program calls cfmakeraw and sees every key as typed (^C,
# Enter as \r, the bytes of an arrow key), with no echo; its settings restored, the line
# discipline cooks again. VMIN 0 / VTIME 5: a read that times out after 500 ms of virtual time.
set -e
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/pty.lib"

pty raw '[("wait","raw mode"),("send","a\x03\r\x1b[A\x7f"),("wait","0x7f"),("send","q"),("wait","restored")]' \
    --no-init "$TESTIMAGE" -- /test/ttytest raw
s=$(screen raw)
expect_eq "raw: exit status" "$(pty_status raw)" 0
expect_has "raw: each key as typed, ^C a byte, Enter a CR" "$s" \
    'raw mode\r\nkey 0x61\r\nkey 0x03\r\nkey 0x0d\r\nkey 0x1b\r\nkey 0x5b\r\nkey 0x41\r\nkey 0x7f\r\nkey 0x71\r\nrestored\r\n'
expect_lacks "raw: no echo" "$s" '^C'
expect_eq "raw: host terminal restored" "$(pty_restored raw)" 1

pty vtime '[("wait","timeout")]' --no-init "$TESTIMAGE" -- /test/ttytest vtime
expect_has "vtime: VTIME 5 times out after 500 ms with 0 bytes" "$(screen vtime)" 'timeout 500 read 0'
finish
