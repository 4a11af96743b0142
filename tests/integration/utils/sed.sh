#!/usr/bin/env bash
# sed beside GNU sed: s///g with \1 and &, d, p, -n, addresses (numbers, $, /re/, ranges,
# !), a i c y q = N D P h G x, labels, -E, -e/-f, -i; bad scripts and missing files.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.bash"
cat >"$TMP/script" <<'S'
sed s/alpha/ALPHA/ words.txt
sed s/a/A/g words.txt
sed 's/a/A/2' words.txt
sed 's/a/A/2g' words.txt
sed -n 's/alpha/X/p' words.txt
sed 's/\([a-z]*\) \([a-z]*\)/\2 \1/' words.txt
sed -E 's/([a-z]+) ([a-z]+)/\2 \1/' words.txt
sed 's/[0-9][0-9]*/<&>/g' code.c
sed 's/x*/-/g' noeol.txt
sed 's/e*/X/g' runs.txt
sed 's|/|_|g' code.c
sed 's/item/\n/' code.c
sed 's/ALPHA/x/I' words.txt
sed 's/a\|e/_/g' words.txt
sed 's/\./!/g' code.c
sed 's/&/and/' code.c
sed 's/o/\&/g' runs.txt
sed 3d nums.txt
sed '$d' nums.txt
sed '2,5d' nums.txt
sed '/alpha/d' words.txt
sed '/alpha/,/beta/d' words.txt
sed '/alpha/,+2d' words.txt
sed '10,$d' nums.txt
sed '5,2d' nums.txt
sed '3!d' nums.txt
sed '/^$/!d' code.c
sed -n 3p nums.txt
sed -n '$p' nums.txt
sed -n '/TODO/p' code.c
sed -n '/TODO/,/return/p' code.c
sed -n '2,4p' nums.txt
sed p noeol.txt
sed -n '/^int/=' code.c
sed = noeol.txt
sed '2q' nums.txt
sed '2q5' nums.txt
sed '3Q' nums.txt
sed '2a\appended' noeol.txt
sed '2a added text' noeol.txt
sed '1i inserted' noeol.txt
sed '$a the end' noeol.txt
sed '2c changed' noeol.txt
sed '1,2c two lines changed' noeol.txt
sed 'y/abc/xyz/' words.txt
sed -e 's/a/1/' -e 's/b/2/' words.txt
sed 's/a/1/;s/b/2/' words.txt
sed '/alpha/{s/alpha/A/;s/beta/B/}' words.txt
sed -n '/alpha/{p;p}' words.txt
sed '$!N;s/\n/+/' nums.txt
sed 'N;P;D' nums.txt
sed -n 'h;n;G;p' nums.txt
sed '1!G;h;$!d' nums.txt
sed -n 'x;p' noeol.txt
sed ':a;s/^.\{1,5\}$/ &/;ta' nums.txt
sed -E 's/(item)-([0-9]+)/\2-\1/g' code.c
sed -E 's/^(.)(.*)$/\2\1/' runs.txt
sed -n l code.c
sed s/a/b/ nums.txt words.txt
sed -n '$=' words.txt nums.txt
sed -i s/alpha/ALPHA/ words.txt
grep -c ALPHA words.txt
sed 's/a/b' words.txt
sed 'k' words.txt
sed 's/\(a/b/' words.txt
sed p nothing
sed -n p nothing words.txt
sed --bogus
sed
sed 's/a/\3/' words.txt
sed '/x/{p' words.txt
sed 'b nowhere' words.txt
sed -n '/[0-9]\{3\}-/p' code.c
sed 's/[[:upper:]]/(&)/g' words.txt
sed '0~3d' nums.txt
sed 's/\bx/y/g' code.c
sed 's/\<[a-z]/#/g' words.txt
sed 's/\Ba/_/g' words.txt
sed -E 's/\b(.)/[\1]/2g' words.txt
sed 's/^/> /g' noeol.txt
sed -n '/\(ta\) \1/p' words.txt
sed -E 's/(\w+) \1/<\1 twice>/g' words.txt
sed 's/\(.\)\1/[&]/g' runs.txt
S
compare_with_host sed "$TMP/script"
finish
