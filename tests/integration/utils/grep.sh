#!/usr/bin/env bash
# grep beside GNU grep: basic and extended regular expressions, -q -c -v -i -n -l -h -H -o
# -w -x -e -F, several files, no match (1), bad patterns and files (2).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.bash"
cat >"$TMP/script" <<'S'
grep return code.c
grep -c return code.c
grep -v return code.c
grep -n TODO code.c
grep -i epsilon words.txt
grep -c -i theta words.txt
grep -q item code.c
grep -q nothing-here code.c
grep nothing-here code.c
grep '^#define' code.c
grep ';$' code.c
grep 'x[0-9]* = ' code.c
grep '[[:digit:]]\{3\}-[[:digit:]]\{4\}' code.c
grep 'MAX_[0-9]\+' code.c
grep 'item-\(1\|2\)' code.c
grep -E 'item-(1|2)[0-9]?"' code.c
grep -E '^(int|char) ' code.c
grep -E '[a-z]+[0-9]+@example\.com' code.c
grep -E 'x{2,}|(pi|mu) ' words.txt
grep -E -c '^$' code.c
grep -o '[0-9][0-9]*' nums.txt
grep -o -E 'user[0-9]+' code.c
grep -w mu words.txt
grep -w eta words.txt
grep -x eta words.txt
grep -x -E 'alpha|beta' words.txt
grep -e alpha -e beta words.txt
grep -F 'a.b' words.txt
grep -F '(a' code.c
grep -F '*name' code.c
grep item code.c words.txt
grep -h item code.c words.txt
grep -H alpha words.txt
grep -l alpha words.txt code.c nums.txt
grep -c alpha words.txt code.c
grep -n -v -e a -e e -e i -e o -e u words.txt
grep -in 'EPSILON zeta' words.txt
grep '' noeol.txt
grep end noeol.txt
grep -E '(' code.c
grep 'a\{1' code.c
grep '[z-a]' code.c
grep alpha nothing
grep -s alpha nothing
grep alpha words.txt nothing
grep -q alpha words.txt nothing
grep -Y alpha words.txt
grep
cat code.c | grep -c call
grep -E 'a+b*c?' words.txt
grep -E '(a|b)*c' words.txt
grep '\(ab\)*c' words.txt
grep '\<eta\>' words.txt
grep 'ta\b' words.txt
grep -E '^.{40,}$' words.txt
grep -c '.' empty.txt
grep -o '\<[a-z]' words.txt
grep -o '\B[aeiou]\b' words.txt
grep -on 'a\w' words.txt
grep '\(ta\).*\1' words.txt
grep -E '(\w+) \1' words.txt
grep -c '^\(.\).*\1$' words.txt
grep '\(a\)\2' words.txt
S
compare_with_host grep "$TMP/script"
finish
