#!/usr/bin/env bash
# Text filters beside GNU coreutils: sort (-n -r -u -k -t -b -s), uniq (-c -d -u -i -f -s),
# tr (-d -s -c, ranges, classes, [c*n]), cut (-b -c -f -d -s); bad options and files.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.bash"
cat >"$TMP/script" <<'S'
sort words.txt
sort -r words.txt
sort -u words.txt
sort -n nums.txt
sort -rn nums.txt
sort -nu nums.txt
sort -t : -k 2 table.txt
sort -t : -k 3n table.txt
sort -t : -k 3,3n -k 1,1 table.txt
sort -t : -k 4,4 -k 3,3nr table.txt
sort -t : -k 4,4 -u table.txt
sort -t : -k 2.3,2.4 table.txt
sort -k 2 words.txt
sort -b -k 2 words.txt
sort -s -t : -k 4,4 table.txt
sort nums.txt words.txt
sort < runs.txt
sort noeol.txt empty.txt
sort -o sorted.txt nums.txt
head -n 3 sorted.txt
sort nothing
sort -k 0 nums.txt
sort -Y
uniq runs.txt
uniq -c runs.txt
uniq -d runs.txt
uniq -u runs.txt
uniq -c -d runs.txt
sort words.txt | uniq -c
uniq -i runs.txt
sort -t : -k 4 table.txt | uniq -f 1
uniq -s 2 runs.txt
uniq nothing
uniq -y
uniq runs.txt out.txt
wc -l out.txt
tr a-z A-Z < words.txt
tr '[:lower:]' '[:upper:]' < code.c
tr -d aeiou < words.txt
tr -s ' ' < words.txt
tr -s a-z < runs.txt
tr -c 'a-z\n' _ < code.c
tr -cd '[:digit:]\n' < code.c
tr -ds a-m n-z < words.txt
tr abc 'x[y*]' < words.txt
tr a-e 'A[-*3]' < runs.txt
tr '\n' , < nums.txt
tr -s '[:space:]' '\n' < words.txt
tr z-a x < words.txt
tr
tr -d
tr a
cut -c 1-5 words.txt
cut -c 3 words.txt
cut -c -4,8- code.c
cut -b 2-3 nums.txt
cut -d : -f 1 table.txt
cut -d : -f 2,4 table.txt
cut -d : -f 3- table.txt
cut -d ' ' -f 2 words.txt
cut -s -d ' ' -f 2 words.txt
cut -f 1 words.txt
cut -d : -f 1,1,2 table.txt
cut words.txt
cut -f 0 table.txt
cut -c 3-1 table.txt
cut -d ab -f 1 table.txt
cut -f 1 nothing
S
compare_with_host text "$TMP/script"
finish
