#!/usr/bin/env bash
# Small utilities beside GNU coreutils: echo, printf, basename, dirname, seq, true, false,
# test/[, yes, env, wc, cksum, head, tail, cat, tee; bad options and missing files (usage messages
# go to stderr, exit statuses as GNU's).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.bash"
cat >"$TMP/script" <<'S'
echo hello world
echo -n no newline
echo -e 'a\tb\\c\x41\0101'
echo -e 'stop\cnot shown'
echo -x -n
echo
printf '%s-%d|%5.2f|%-4s|%x|%o|%c|%%\n' str 42 3.14159 ab 255 8 xyz
printf '%s\n' a b c
printf '[%3d]' 1 2 3
printf '%b\n' 'x\ty' 'a\0101'
printf '%d\n' 12abc
printf '%d\n' "'A"
printf
printf '%05d|%+d|% d|%.3s\n' 42 7 7 abcdef
printf '[%c][%3c][%c]' '' '' | hexdump -C
basename /usr/lib/libc.so .so
basename /usr/lib/
basename /
basename a/b/c.txt .txt
basename
dirname /usr/lib/libc.so
dirname libc.so
dirname /
dirname //a//b//
dirname a/b/
seq 5
seq 3 7
seq 10 -3 0
seq 1 0.5 3
seq -w 8 11
seq -s , 1 5
seq 5 1
seq
seq 1 0 5
seq x
true
false
test 1 -eq 1
test 1 -lt 0
test abc = abc
test -n ''
test -z ''
test -f words.txt
test -d words.txt
test -d tree
test -e nothing
test ! -e nothing
test -s empty.txt
test -s words.txt
test 3 -gt 2 -a 2 -gt 1
test 3 -gt 2 -a 2 -gt 5 -o 1 -eq 1
test '(' 1 -eq 2 ')'
test x -eq 1
test 1 -eq
test
test -n
test !
[ a != b ]
[ a = b ]
[ 1 -le 1
yes | head -n 3
yes a b | head -n 2
env -i A=1 B=two
env -i A=1 env
env -i /bin/true
env -i nosuchprogram
wc words.txt
wc -l words.txt
wc -w nums.txt
wc -c bytes.bin
wc -l -w words.txt nums.txt
wc noeol.txt empty.txt
wc < words.txt
wc -l < nums.txt
cat words.txt | wc
wc nothing
wc -x words.txt
cksum words.txt
cksum bytes.bin empty.txt noeol.txt
cksum < nums.txt
cksum -x
cat words.txt | cksum -
cksum nothing words.txt
head words.txt
head -n 3 nums.txt
head -3 nums.txt
head -c 20 words.txt
head -n 2 nums.txt noeol.txt
head -n 0 words.txt
head nothing
head -n x words.txt
head -n 2 < nums.txt
tail nums.txt
tail -n 3 noeol.txt
tail -n +195 words.txt
tail -5 nums.txt
tail -c 10 bytes.bin | wc -c
tail -n 1 empty.txt
tail -n 2 nums.txt noeol.txt
tail nothing
cat noeol.txt
cat words.txt nums.txt | wc -l
cat nothing
cat -z
cat empty.txt noeol.txt
cat < noeol.txt
cat - < noeol.txt
# getopt: clusters, attached arguments, "--", an option after an operand is an operand
wc -lw words.txt
head -n3 nums.txt
head -- nums.txt
tail -n2 -- nums.txt
cat -- noeol.txt
echo -- x
wc -l -- nums.txt -w
head -c5 -n2 nums.txt
grep -ve a -e e words.txt
cut -d: -f1,3 table.txt
sort -t: -k3,3nr -k1,1 table.txt
head -n
echo a | tee t1 t2
cat t1 t2
echo b | tee -a t1
cat t1
echo c | tee nodir/x
S
compare_with_host basic "$TMP/script"
finish
