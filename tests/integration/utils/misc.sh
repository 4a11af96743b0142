#!/usr/bin/env bash
# xargs and hexdump beside GNU findutils and util-linux: batching (-n), -I, -0, -r, -t,
# quotes, exit statuses (123, 127); hexdump's default and -C forms, -n, -s, "*" lines.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.bash"
cat >"$TMP/script" <<'S'
head -n 5 nums.txt | xargs
head -n 7 nums.txt | xargs -n 3
head -n 4 nums.txt | xargs echo n:
head -n 3 nums.txt | xargs -I X echo '<X>' X
cat empty.txt | xargs echo ran
cat empty.txt | xargs -r echo ran
head -n 3 words.txt | xargs -t echo
printf '%s\n' "a 'b c' \"d e\" f\\ g" | xargs -n 1
printf 'x\0y z\0' | xargs -0 -n 1
printf 'p:q:r' | xargs -d : -n 1
printf 'tree/a.txt tree/b.c\n' | xargs cat
printf 'nothing tree/a.txt\n' | xargs cat
printf 'a\n' | xargs nosuchcommand
printf "'unmatched\n" | xargs
find tree -name '*.txt' | sort | xargs wc -l
xargs -Y
hexdump bytes.bin
hexdump -C bytes.bin
hexdump -C noeol.txt
hexdump -C -n 20 words.txt
hexdump -C -s 300 bytes.bin
hexdump -n 7 nums.txt
hexdump -C empty.txt
hexdump empty.txt
yes abcdefghijklmnop | head -n 8 | hexdump -C
yes abcdefghijklmnop | head -n 8 | hexdump -C -v
hexdump -C nothing
hexdump -Z
S
compare_with_host misc "$TMP/script"
finish
