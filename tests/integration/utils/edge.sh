#!/usr/bin/env bash
# Edge cases beside GNU: sort keys with empty fields, seq's decimals, sed's newline state at
# an unterminated last line through g G h H x p P N, head's "all but the last N" (GNU), printf's
# conversions and excess arguments, tr complements, find's -print0/-size, ls of several
# directories, xargs batching, test's operators, sort -f/-c, grep/tr/cut corners.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.bash"
cat >"$TMP/script" <<'S'
sort -k 2,2 -t ' ' words.txt
sort -k 3 -n -t : table.txt
sort -r -k 1,1 -t : -u table.txt
uniq -c words.txt
cut -c 70-80 words.txt
tr -s '\n' < code.c
head -c 0 words.txt
tail -c +300 bytes.bin | hexdump -C
seq 0.1 0.1 1
seq -s ' ' 3
seq 10 | tail -n 3
seq 1 3 10
seq -5 -1
seq 1.5 3
wc nothing words.txt
echo -e 'a\eb' | hexdump -C
grep -c -h alpha words.txt code.c
sed -n '/a/,/b/{/c/p}' words.txt
sed '$!d' nums.txt
sed -n '1~2p' nums.txt
sed 'n;d' nums.txt
sed '1d;$d' noeol.txt
sed = noeol.txt | sed 'N;s/\n/ /'
sed 's/.*/"&"/' noeol.txt
sed 's/[^ ]* //2' words.txt
sed -e '/^$/d' -e 's/^ *//' code.c
sed -n '/return/{=;p}' code.c
sed 'y/abcdefghij/0123456789/' nums.txt
sed -E 's/([0-9]+)/(\1)/g;s/\(([0-9])\)/<\1>/g' code.c
sed G noeol.txt
sed -n '$!{h;d};x;G;p' nums.txt
find . -type f | wc -l
find tree -size -1k | sort
find tree -name '*.txt' -print0 | tr '\0' '\n' | sort
ls -a tree/sub
ls -1 tree/sub tree/other
xargs -n 2 echo < noeol.txt
tr '[:upper:]' '[:lower:]' < words.txt
tr -d '\n' < noeol.txt
tr -cs '[:alnum:]' '\n' < code.c
cat -u noeol.txt
tee < noeol.txt
basename -- -x
dirname .
test '' 
test -z abc -o -n abc
[ 2 -ne 3 -a '(' x = x ')' ]
printf '%s %s\n' a b c
printf '%i %u %X %e %G\n' 010 -1 255 12345.678 0.0001
printf 'no args\n' extra
printf '%5.1f%%\n' 99.44
echo -n -e 'x\ny' | wc -l
head -n -2 nums.txt
tail -n +0 noeol.txt
cut -d : -f 5 table.txt
cut -d : -f 2- -s table.txt
uniq -d -c runs.txt
sort -n -k 2 -t : table.txt | head -n 5
grep -E '^[^:]+:10[0-9]{2}:' table.txt
grep -E 'a|' words.txt
grep -e '' -c words.txt
sed -n '/^$/=' words.txt
head -n -0 noeol.txt
head -n -1 noeol.txt
head -n -300 words.txt
head -c -5 noeol.txt
head -n -x nums.txt
sed x noeol.txt
sed '$g' noeol.txt
sed 'h;$G' noeol.txt
sed '$H;$g' noeol.txt
sed -n '$p;$p' noeol.txt
sed '$!N;P;D' noeol.txt
sed -n 'p' noeol.txt
sed 's/end/END/p' noeol.txt
ls -R .
ls -d .
ls tree/
ls -1 tree tree/a.txt
ls -A tree/sub/deep
ls -aF tree
ls -rR tree
ls empty.txt nothing words.txt
grep -l alpha < words.txt
grep -H alpha < words.txt
grep -c -v alpha words.txt
grep -n -o 'e[a-z]' noeol.txt
grep -x -F 'eta' words.txt
grep -E -e 'zeta$' -e '^eta' words.txt
grep -i '[A-C]LPHA' words.txt
grep -n '' noeol.txt
grep -c '^' noeol.txt
tr -d '[:space:]' < noeol.txt
tr 'a-c' 'A-C' < runs.txt
tr -s 'a-z' 'A-Z' < runs.txt
tr '\001-\037' '@' < bytes.bin | wc -c
tr 'abc' 'x' < runs.txt
tr -d '\\' < code.c
cut -b 1-3,2-4 nums.txt
cut -c 2- noeol.txt
cut -d ' ' -f 1,3 -s words.txt
sort -f words.txt
sort -fu runs.txt
sort -n -u nums.txt | wc -l
sort -c nums.txt
sort -r -n -k 3,3 -t : table.txt
uniq -i -c runs.txt
uniq -u words.txt
wc -c empty.txt noeol.txt
wc -w < noeol.txt
cat nums.txt | head -n 1
head -n 1 nums.txt words.txt noeol.txt
tail -n 1 nums.txt - < noeol.txt
tail -c 3 noeol.txt
seq 3 | xargs -I{} echo item {}
seq 100 | xargs -n 30 | wc -l
seq 1000 | tail -n 2
seq -w 0 2 10
seq 1e2 1e2 3e2
echo a\\b
echo 'a\nb'
env A=1 env | grep '^A='
dirname /a/b/
basename /a/b/ b
basename a.txt .txt
test -f tree -o -d tree
test 10 -gt 9
test 010 -eq 10
test ' 1 ' -eq 1
test -e tree/sub/deep/d.c
[ -n abc ]
[ ]
true extra args
printf '%s\n' 'a b' "c d"
printf '%-8s|%8s|\n' left right
printf '%x %o %c\n' 255 255 65
printf '%.2f %10.4f\n' 3.14159 2.5
printf '%b' 'tab\there\n'
printf '%d %d\n' 1
find . -maxdepth 1 -type d | sort
find tree -type f -name '*.c' -exec wc -c '{}' ';' | sort
find tree -path 'tree/sub*' -prune -o -type f -print | sort
find tree -depth -type d | sort
find tree -not -name '*.txt' | sort
find tree '(' -name a.txt -o -name b.c ')' | sort
hexdump -C -n 32 -s 16 bytes.bin
hexdump -v -C -n 48 empty.txt
sort -c -u runs.txt
sort runs.txt | sort -C
sort -k 1f,1 -t : table.txt
S
compare_with_host edge "$TMP/script"
finish
