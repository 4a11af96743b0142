#!/usr/bin/env bash
# The network programs (issue 17, item 6): httpd, wget, nc and ping of os/bin.
#
# Part 1, host: the same sources built against glibc (build/tests/netbin, tests/diff's
# CMakeLists) run on the host's loopback, so the programs are checked even where vrsim has no
# sockets: wget fetches 1 MiB from httpd (checksum equal), 100 clients at once against httpd
# (httpload), httpd's answers to bad requests (a 100 KiB request line, garbage, other
# methods, versions, paths that leave the root through .. or symbolic links) and that it
# keeps serving after them, wget against broken servers (garbage, an early close, an error
# status; GNU wget's exit statuses), nc both ways over TCP, over UDP, -z, and usage errors.
# Ports are the system's choice (port 0), read back from -v / the server's log. ping needs
# ping sockets, which the host may not allow (net.ipv4.ping_group_range): then it is skipped.
#
# Part 2, Veridian: the same checks on the Veridian programs in vrsim over its loopback (one
# vsh script: wget 1 MiB from httpd, 100 clients at once, httpd's and wget's bad-input cases,
# nc TCP both ways and UDP, ping 127.0.0.1 -c 3, usage errors), run twice: one seed gives one
# output and one trace digest.
. "$(dirname "$0")/../lib.sh"
BUILD=$(dirname "$TESTROOT")
NB=$BUILD/tests/netbin
if [ ! -x "$NB/httpd" ]; then
    echo "skip: the host copies of the programs are not built"
    exit 0
fi
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT

# wait_port LOGFILE REGEX: the port number a server logged (waits up to 5 s)
wait_port() {
    local i p
    for i in $(seq 50); do
        p=$(sed -nE "s/$2/\1/p" "$1" 2>/dev/null | head -n 1)
        if [ -n "$p" ]; then
            echo "$p"
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# ---- the web root ----
W=$TMP/www
mkdir -p "$W/sub" "$TMP/outside"
head -c 1048576 /dev/urandom >"$W/big.bin"
echo hello >"$W/index.html"
echo sub >"$W/sub/x.txt"
echo secret >"$TMP/outside/secret"
ln -s ../big.bin "$W/sub/inlink"
ln -s "$TMP/outside/secret" "$W/abslink"
ln -s ../outside "$W/uplink"
ln -s loop2 "$W/loop1"
ln -s loop1 "$W/loop2"

"$NB/httpd" -p 0 -r "$W" -a 127.0.0.1 -t 5 2>"$TMP/httpd.log" &
pids+=($!)
PORT=$(wait_port "$TMP/httpd.log" '.* port ([0-9]+)$') || { fail "httpd did not start"; finish; }
URL=http://127.0.0.1:$PORT

# ---- wget from httpd ----
(cd "$TMP" && "$NB/wget" -q "$URL/big.bin")
expect_eq "wget: 1 MiB, status" "$?" 0
expect_eq "wget: 1 MiB, same checksum" "$(sha256sum <"$TMP/big.bin")" "$(sha256sum <"$W/big.bin")"
expect_eq "wget -O -: a small file" "$("$NB/wget" -q -O - "$URL/")" hello
expect_eq "wget: through a link inside the root" "$("$NB/wget" -q -O - "$URL/sub/inlink" | sha256sum)" \
    "$(sha256sum <"$W/big.bin")"
"$NB/wget" -O "$TMP/o" "$URL/missing" 2>"$TMP/w404.err"
expect_eq "wget: 404 is exit 8 (server error)" "$?" 8
expect_match "wget: 404 reported" "$(cat "$TMP/w404.err")" 'ERROR 404: Not Found\.'
expect_eq "wget: nothing saved for an error" "$(test -e "$TMP/o" && echo yes)" ""
"$NB/wget" -q -O - "http://127.0.0.1:1/" 2>/dev/null
expect_eq "wget: connection refused is exit 4" "$?" 4
"$NB/wget" -q -O - "http://no-such-host.invalid./" 2>/dev/null
expect_eq "wget: unknown host is exit 4" "$?" 4
"$NB/wget" -q "ftp://x/" 2>/dev/null
expect_eq "wget: bad URL is exit 2" "$?" 2

# ---- many clients at once ----
"$NB/httpload" 127.0.0.1 "$PORT" /big.bin 100 1048576 >"$TMP/load.out" 2>"$TMP/load.err"
expect_eq "httpd: 100 concurrent clients, status" "$?" 0
expect_eq "httpd: 100 concurrent clients" "$(cat "$TMP/load.out")" \
    "httpload: 100 clients, 100 complete, 104857600 body bytes"

# ---- httpd against bad requests ----
ask() { # REQUEST-BYTES: the status line of httpd's answer
    printf '%b' "$1" | "$NB/nc" -N -w 5 127.0.0.1 "$PORT" | head -n 1 | tr -d '\r'
}
status_of() { # PATH: the status code of GET PATH
    ask "GET $1 HTTP/1.0\r\n\r\n" | cut -d' ' -f2
}
long=$(head -c 102400 /dev/zero | tr '\0' a)
expect_eq "httpd: 100 KiB request line" "$(ask "GET /$long HTTP/1.0\r\n\r\n")" "HTTP/1.1 414 URI Too Long"
expect_eq "httpd: 20 KiB of garbage without a line end" \
    "$(head -c 20000 /dev/zero | tr '\0' x | "$NB/nc" -N -w 5 127.0.0.1 "$PORT" | head -n 1 | tr -d '\r')" \
    "HTTP/1.1 414 URI Too Long"
expect_eq "httpd: a head over 16 KiB" \
    "$(ask "GET / HTTP/1.0\r\n$(for i in $(seq 400); do printf 'X-Filler-%03d: %s\\r\\n' "$i" 0123456789012345678901234567890123456789; done)\r\n")" \
    "HTTP/1.1 431 Request Header Fields Too Large"
expect_eq "httpd: garbage line" "$(ask "garbage\r\n\r\n")" "HTTP/1.1 400 Bad Request"
expect_eq "httpd: binary garbage" "$(ask "\x01\x02\xff\x00GET\r\n\r\n")" "HTTP/1.1 400 Bad Request"
expect_eq "httpd: POST" "$(ask "POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc")" \
    "HTTP/1.1 405 Method Not Allowed"
expect_match "httpd: 405 says Allow" "$(printf 'PUT / HTTP/1.0\r\n\r\n' | "$NB/nc" -N -w 5 127.0.0.1 "$PORT")" \
    'Allow: GET, HEAD'
expect_eq "httpd: HTTP/1.1 without Host" "$(ask "GET / HTTP/1.1\r\n\r\n")" "HTTP/1.1 400 Bad Request"
expect_eq "httpd: HTTP/2.0" "$(ask "GET / HTTP/2.0\r\n\r\n")" "HTTP/1.1 505 HTTP Version Not Supported"
expect_eq "httpd: a header without a colon" "$(ask "GET / HTTP/1.0\r\nbad header\r\n\r\n")" \
    "HTTP/1.1 400 Bad Request"
expect_eq "httpd: bare LF line ends" "$(ask "GET / HTTP/1.0\n\n")" "HTTP/1.1 200 OK"
expect_eq "httpd: HEAD has no body" "$(printf 'HEAD / HTTP/1.0\r\n\r\n' | "$NB/nc" -N -w 5 127.0.0.1 "$PORT" | tail -n 1 | tr -d '\r')" ""
expect_eq "httpd: .. above the root" "$(status_of /../etc/passwd)" 403
expect_eq "httpd: %-encoded .." "$(status_of /%2e%2e/%2e%2e/etc/passwd)" 403
expect_eq "httpd: .. inside the root" "$(status_of /sub/../index.html)" 200
expect_eq "httpd: an absolute link" "$(status_of /abslink)" 403
expect_eq "httpd: a link climbing out" "$(status_of /uplink/secret)" 403
expect_eq "httpd: a link loop" "$(status_of /loop1)" 403
expect_eq "httpd: %00" "$(status_of /index.html%00.txt)" 400
expect_eq "httpd: a bad escape" "$(status_of /%zz)" 400
expect_eq "httpd: not absolute" "$(status_of index.html)" 400
expect_eq "httpd: a directory without index.html" "$(status_of /sub/)" 404
two=$(printf 'GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /sub/x.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    "$NB/nc" -w 5 127.0.0.1 "$PORT" | tr -d '\r')
expect_eq "httpd: keep-alive, two pipelined requests" "$(printf '%s\n' "$two" | grep -c '^HTTP/1.1 200 OK$')" 2
expect_eq "httpd: ... both bodies" "$(printf '%s\n' "$two" | grep -E '^(hello|sub)$' | tr '\n' ' ')" "hello sub "
# a client that sends half a request and goes away, and one that says nothing
printf 'GET /ind' | "$NB/nc" -N -w 1 127.0.0.1 "$PORT" >/dev/null
"$NB/nc" -z 127.0.0.1 "$PORT"
expect_eq "httpd: still serving after all that" "$("$NB/wget" -q -O - "$URL/sub/x.txt")" sub
expect_match "httpd: the log names each answer" "$(cat "$TMP/httpd.log")" '"GET /big.bin HTTP/1.0" 200 1048576'

# ---- wget against broken servers (nc -l answers once with canned bytes) ----
broken() { # WHAT RESPONSE-BYTES WANT-STATUS
    rm -f "$TMP/nc.log" "$TMP/o"
    printf '%b' "$2" | "$NB/nc" -v -N -w 5 -l 127.0.0.1 0 >/dev/null 2>"$TMP/nc.log" &
    local np=$! p
    p=$(wait_port "$TMP/nc.log" 'nc: Listening on [0-9.]+ ([0-9]+)$')
    "$NB/wget" -q -T 5 -O "$TMP/o" "http://127.0.0.1:$p/f" 2>"$TMP/wb.err"
    expect_eq "wget vs $1: exit status" "$?" "$3"
    expect_match "wget vs $1: says why" "$(cat "$TMP/wb.err")" '^wget: '
    wait "$np" 2>/dev/null
}
broken "garbage" 'garbage garbage\r\n\r\n' 7
broken "binary garbage" '\x00\x01\x02\xff\xfe\r\n\r\n' 7
broken "an early close" 'HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\n0123456789' 4
broken "no answer" '' 4
broken "a 500" 'HTTP/1.0 500 Internal Server Error\r\n\r\n' 8
broken "a header without colon" 'HTTP/1.0 200 OK\r\nno colon\r\n\r\n' 7
broken "a negative length" 'HTTP/1.0 200 OK\r\nContent-Length: -5\r\n\r\n' 7
broken "a redirect to where nobody listens" 'HTTP/1.0 302 Found\r\nLocation: /f\r\n\r\n' 4

# ---- nc ----
"$NB/nc" -v -l 127.0.0.1 0 </dev/null >"$TMP/recv1" 2>"$TMP/nc1.log" &
pids+=($!)
p=$(wait_port "$TMP/nc1.log" 'nc: Listening on [0-9.]+ ([0-9]+)$')
"$NB/nc" -N 127.0.0.1 "$p" <"$W/big.bin"
expect_eq "nc: client to server, status" "$?" 0
for i in $(seq 50); do [ "$(stat -c %s "$TMP/recv1")" = 1048576 ] && break; sleep 0.1; done
expect_eq "nc: client to server, 1 MiB intact" "$(sha256sum <"$TMP/recv1")" "$(sha256sum <"$W/big.bin")"
"$NB/nc" -v -N -l 127.0.0.1 0 <"$W/big.bin" >/dev/null 2>"$TMP/nc2.log" &
pids+=($!)
p=$(wait_port "$TMP/nc2.log" 'nc: Listening on [0-9.]+ ([0-9]+)$')
"$NB/nc" 127.0.0.1 "$p" </dev/null >"$TMP/recv2"
expect_eq "nc: server to client, status" "$?" 0
expect_eq "nc: server to client, 1 MiB intact" "$(sha256sum <"$TMP/recv2")" "$(sha256sum <"$W/big.bin")"
"$NB/nc" -v -u -w 1 -l 127.0.0.1 0 </dev/null >"$TMP/recv3" 2>"$TMP/nc3.log" &
pids+=($!)
p=$(wait_port "$TMP/nc3.log" 'nc: Listening on [0-9.]+ ([0-9]+)$')
printf 'one datagram\n' | "$NB/nc" -u 127.0.0.1 "$p"
expect_eq "nc -u: sent" "$?" 0
for i in $(seq 30); do [ -s "$TMP/recv3" ] && break; sleep 0.1; done
expect_eq "nc -u: received" "$(cat "$TMP/recv3")" "one datagram"
# a UDP listener goes on receiving after standard input's end (no -w: until killed)
"$NB/nc" -v -u -l 127.0.0.1 0 </dev/null >"$TMP/recv5" 2>"$TMP/nc5.log" &
up=$!
pids+=($up)
p=$(wait_port "$TMP/nc5.log" 'nc: Listening on [0-9.]+ ([0-9]+)$')
(echo first; sleep 0.5; echo second) | "$NB/nc" -u 127.0.0.1 "$p"
for i in $(seq 30); do [ "$(wc -l <"$TMP/recv5")" = 2 ] && break; sleep 0.1; done
expect_eq "nc -u -l: two datagrams, stdin long closed" "$(cat "$TMP/recv5")" "first
second"
kill "$up" 2>/dev/null || true
"$NB/nc" -v -k -l 127.0.0.1 0 </dev/null >"$TMP/recv4" 2>"$TMP/nc4.log" &
kp=$!
pids+=($kp)
p=$(wait_port "$TMP/nc4.log" 'nc: Listening on [0-9.]+ ([0-9]+)$')
echo first | "$NB/nc" -N 127.0.0.1 "$p"
echo second | "$NB/nc" -N 127.0.0.1 "$p"
for i in $(seq 30); do [ "$(wc -l <"$TMP/recv4")" = 2 ] && break; sleep 0.1; done
expect_eq "nc -k: two clients one after the other" "$(cat "$TMP/recv4")" "first
second"
kill "$kp" 2>/dev/null || true
"$NB/nc" -z 127.0.0.1 "$PORT"
expect_eq "nc -z: an open port" "$?" 0
"$NB/nc" -z 127.0.0.1 1 2>/dev/null
expect_eq "nc -z: a closed port" "$?" 1
"$NB/nc" 2>"$TMP/ncu.err"
expect_eq "nc: usage, status" "$?" 1
expect_match "nc: usage" "$(cat "$TMP/ncu.err")" '^usage: nc '
"$NB/nc" 127.0.0.1 99999 2>/dev/null
expect_eq "nc: port out of range" "$?" 1

# ---- ping ----
if "$NB/ping" -c 1 -W 1 127.0.0.1 >"$TMP/ping.out" 2>"$TMP/ping.err" ||
    ! grep -q 'Permission denied\|not permitted' "$TMP/ping.err"; then
    "$NB/ping" -c 3 -i 0.2 127.0.0.1 >"$TMP/ping.out" 2>&1
    expect_eq "ping: status" "$?" 0
    expect_match "ping: header" "$(cat "$TMP/ping.out")" '^PING 127\.0\.0\.1 \(127\.0\.0\.1\) 56\(84\) bytes of data\.'
    expect_eq "ping: three replies" "$(grep -cE '^64 bytes from 127\.0\.0\.1: icmp_seq=[1-3] (ttl=[0-9]+ )?time=[0-9.]+ ms$' "$TMP/ping.out")" 3
    expect_match "ping: summary" "$(cat "$TMP/ping.out")" '3 packets transmitted, 3 received, 0% packet loss'
else
    echo "note: the host does not allow ping sockets (net.ipv4.ping_group_range): ping not run here"
fi
"$NB/ping" -c 0 127.0.0.1 2>/dev/null
expect_eq "ping: bad count is exit 2" "$?" 2
"$NB/ping" no-such-host.invalid. 2>/dev/null
expect_eq "ping: unknown host is exit 2" "$?" 2

# ---- part 2: in vrsim, one machine over its loopback ----
if [ ! -x "$BUILD/rootfs/bin/httpd" ] || [ ! -x "$TESTROOT/test/httpload" ]; then
    echo "note: the programs are not in this Veridian build yet (no sockets in libveridian)"
    finish
    exit 0
fi
# One vsh script does it all; what it prints is checked here. The canned answers of the
# broken servers come from files, not from "printf ... | nc -l ... &": vsh runs a background
# pipeline that starts with a builtin to its end before going on (nc -l then waits forever).
# A one-shot server is waited for in /proc/net/{tcp,udp} (its port in hex; 0A: listening),
# not probed (a probe would be its one client) nor slept for (a first socket can take a
# virtual second to appear). The web root is made in tmpfs
# (big.txt: seq 1 150000, 938895 bytes, made on the host as well to compare).
cat >"$TMP/guest.sh" <<'GUEST'
mkdir -p /tmp/www/sub
seq 1 150000 >/tmp/www/big.txt
echo hello >/tmp/www/index.html
httpd -q -p 8080 -r /tmp/www &
hp=$!
until nc -z 127.0.0.1 8080; do sleep 0.1; done
echo "== wget"
wget -q -O /tmp/got.txt http://127.0.0.1:8080/big.txt
echo "wget status $?"
cat /tmp/got.txt
echo "== wget -O -"
wget -q -O - http://localhost:8080/
echo "== wget 404"
wget -q -O /tmp/none http://127.0.0.1:8080/missing
echo "wget 404 status $?"
wget -q -O /tmp/none http://127.0.0.1:8081/
echo "wget refused status $?"
echo "== httpload"
/test/httpload 127.0.0.1 8080 /big.txt 100 938895
echo "httpload status $?"
echo "== bad requests"
{ printf 'GET /'; seq 1 20000 | tr -d '\n'; printf ' HTTP/1.0\r\n\r\n'; } | nc -N 127.0.0.1 8080 | head -n 1
printf 'garbage\r\n\r\n' | nc -N 127.0.0.1 8080 | head -n 1
printf 'POST / HTTP/1.0\r\n\r\n' | nc -N 127.0.0.1 8080 | head -n 1
printf 'GET /../etc/passwd HTTP/1.0\r\n\r\n' | nc -N 127.0.0.1 8080 | head -n 1
printf 'GET /%%2e%%2e/etc/passwd HTTP/1.0\r\n\r\n' | nc -N 127.0.0.1 8080 | head -n 1
echo "== still serving"
wget -q -O - http://127.0.0.1:8080/
kill $hp
wait $hp
echo "== nc tcp"
nc -l 9000 </dev/null >/tmp/recv &
np=$!
until nc -N 127.0.0.1 9000 </tmp/www/big.txt; do sleep 0.1; done
wait $np
echo "nc server status $?"
cat /tmp/recv
nc -N -l 9002 </tmp/www/big.txt >/dev/null &
np=$!
until nc 127.0.0.1 9002 </dev/null >/tmp/recv2; do sleep 0.1; done
wait $np
cat /tmp/recv2
echo "== nc udp"
nc -u -w 2 -l 9001 </dev/null >/tmp/udp &
np=$!
until grep -q ':2329 ' /proc/net/udp; do sleep 0.1; done
echo datagram | nc -u 127.0.0.1 9001
wait $np
cat /tmp/udp
nc -z 127.0.0.1 9999
echo "nc -z closed status $?"
echo "== ping"
ping -c 3 127.0.0.1
echo "ping status $?"
echo "== broken servers"
printf 'garbage\r\n\r\n' >/tmp/resp9100
nc -N -l 9100 </tmp/resp9100 >/dev/null &
np=$!
until grep -q ':238C .* 0A ' /proc/net/tcp; do sleep 0.1; done
wget -q -O /tmp/g http://127.0.0.1:9100/
echo "wget vs garbage: $?"
wait $np
printf 'HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\n0123' >/tmp/resp9101
nc -N -l 9101 </tmp/resp9101 >/dev/null &
np=$!
until grep -q ':238D .* 0A ' /proc/net/tcp; do sleep 0.1; done
wget -q -O /tmp/g http://127.0.0.1:9101/
echo "wget vs an early close: $?"
wait $np
printf 'HTTP/1.0 503 Service Unavailable\r\n\r\n' >/tmp/resp9102
nc -N -l 9102 </tmp/resp9102 >/dev/null &
np=$!
until grep -q ':238E .* 0A ' /proc/net/tcp; do sleep 0.1; done
wget -q -O /tmp/g http://127.0.0.1:9102/
echo "wget vs a 503: $?"
wait $np
echo "== usage"
nc -x 2>/dev/null
echo "nc: $?"
wget 2>/dev/null
echo "wget: $?"
httpd -p 1 -r /nonexistent 2>/dev/null
echo "httpd: $?"
ping 2>/dev/null
echo "ping: $?"
ping -c 1 no-such-host 2>/dev/null
echo "ping unknown host: $?"
GUEST
seq 1 150000 >"$TMP/big.txt"
run_guest() { # NAME
    set +e
    timeout 600 "$VRSIM" run --seed 1 "$TESTIMAGE" -- /bin/vsh -c "$(cat "$TMP/guest.sh")" \
        >"$TMP/$1.out" 2>"$TMP/$1.err" </dev/null
    echo $? >"$TMP/$1.status"
}
run_guest g1
section() { # NAME FROM TO: the lines between two "== " markers
    sed -n "/^== $2\$/,/^== $3\$/p" "$TMP/$1.out" | sed '1d;$d'
}
expect_eq "vrsim: the script ran" "$(status g1)" 0
expect_eq "vrsim wget: status" "$(grep '^wget status' "$TMP/g1.out")" "wget status 0"
expect_eq "vrsim wget: 938895 bytes intact" "$(section g1 wget "wget -O -" | grep -v '^wget status' | sha256sum)" \
    "$(sha256sum <"$TMP/big.txt")"
expect_eq "vrsim wget -O - through /etc/hosts' localhost" "$(section g1 "wget -O -" "wget 404")" hello
expect_match "vrsim wget: 404 is 8" "$(out g1)" '^wget 404 status 8$'
expect_match "vrsim wget: refused is 4" "$(out g1)" '^wget refused status 4$'
expect_match "vrsim httpload: 100 clients at once" "$(out g1)" \
    '^httpload: 100 clients, 100 complete, 93889500 body bytes$'
expect_eq "vrsim httpd: bad requests" "$(section g1 "bad requests" "still serving" | tr -d '\r')" \
    "HTTP/1.1 414 URI Too Long
HTTP/1.1 400 Bad Request
HTTP/1.1 405 Method Not Allowed
HTTP/1.1 403 Forbidden
HTTP/1.1 403 Forbidden"
expect_eq "vrsim httpd: still serving" "$(section g1 "still serving" "nc tcp")" hello
expect_eq "vrsim nc: client to server and back, intact" \
    "$(section g1 "nc tcp" "nc udp" | grep -v '^nc server status' | sha256sum)" \
    "$(cat "$TMP/big.txt" "$TMP/big.txt" | sha256sum)"
expect_match "vrsim nc: server status" "$(out g1)" '^nc server status 0$'
expect_eq "vrsim nc -u" "$(section g1 "nc udp" ping | grep -v '^nc -z')" datagram
expect_match "vrsim nc -z: closed port" "$(out g1)" '^nc -z closed status 1$'
expect_match "vrsim ping: header" "$(out g1)" '^PING 127\.0\.0\.1 \(127\.0\.0\.1\) 56\(84\) bytes of data\.$'
expect_eq "vrsim ping: three replies" \
    "$(grep -cE '^64 bytes from 127\.0\.0\.1: icmp_seq=[1-3] (ttl=[0-9]+ )?time=[0-9.]+ ms$' "$TMP/g1.out")" 3
expect_match "vrsim ping: summary" "$(out g1)" '^3 packets transmitted, 3 received, 0% packet loss, time [0-9]+ms$'
expect_match "vrsim ping: status" "$(out g1)" '^ping status 0$'
expect_eq "vrsim wget vs broken servers" "$(section g1 "broken servers" usage 2>/dev/null | grep '^wget vs')" \
    "wget vs garbage: 7
wget vs an early close: 4
wget vs a 503: 8"
expect_eq "vrsim usage errors" "$(sed -n '/^== usage$/,$p' "$TMP/g1.out" | sed 1d)" "nc: 1
wget: 2
httpd: 1
ping: 2
ping unknown host: 2"
expect_digest_line g1
run_guest g2
expect_eq "vrsim: one seed, one trace digest" "$(digest g2)" "$(digest g1)"
expect_eq "vrsim: one seed, one output" "$(out g2)" "$(out g1)"

finish
