#!/usr/bin/env bash
# File utilities beside GNU coreutils/findutils on the same tree: ls (-a -A -1 -d -R -F -r),
# mkdir (-p), rmdir (-p), rm (-r -f), cp (-r), mv, ln (-s), touch, find (-name -type
# -maxdepth ...; sorted, as GNU find lists in directory order); missing files and bad
# options. ls -l has no GNU twin here (owners and times differ): its shape is checked apart.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/common.bash"
cat >"$TMP/script" <<'S'
ls
ls tree
ls -a tree
ls -A tree
ls -1 tree/sub
ls -d tree tree/sub
ls -R tree
ls -F tree
ls -r tree
ls tree/a.txt tree/sub words.txt
ls nothing
ls nothing tree/other
ls --bogus
mkdir d1
mkdir d1
mkdir -p d2/x/y
mkdir -p d2/x/y
ls -R d2
mkdir a/b/c
mkdir
rmdir d1
rmdir d1
rmdir d2
rmdir -p d2/x/y
ls
touch new.txt
ls -1 new.txt
wc -c new.txt
touch -c ghost
ls ghost
touch nodir/file
cp words.txt w2
cat w2 | wc -c
cp tree t2
cp -r tree t2
ls -R t2
cp -r tree t2
ls t2
cp nums.txt words.txt tree/other
ls tree/other
cp nums.txt words.txt noeol.txt
cp nothing x
cp words.txt
mv w2 w3
ls w2
cat w3 | wc -l
mv w3 tree
ls tree
mv tree/w3 tree/sub tree/other
ls -R tree/other
mv nothing x
mv a
ln -s words.txt link1
cat link1 | head -n 2
ln words.txt hard1
cat hard1 | wc -l
ln -s words.txt link1
ln -sf nums.txt link1
head -n 1 link1
ln nothing h2
rm link1 hard1
ls link1
rm nothing
rm -f nothing
rm -f
rm tree
rm -r t2
ls t2
rm -r tree/other/sub
ls tree/other
rm
rm -x
rm ./.
find tree | sort
find tree -name '*.txt' | sort
find tree -type d | sort
find tree -type f -name 'd*' | sort
find tree -maxdepth 1 | sort
find tree -mindepth 2 -type f | sort
find tree ! -name '*.txt' -type f | sort
find tree -name '*.c' -o -name '*.txt' | sort
find tree -path '*deep*' | sort
find tree -iname 'A*' | sort
find tree -empty | sort
find tree/a.txt
find . -name nums.txt
find nothing
find tree -bogus
find tree -type q
find tree -name
find tree -name '*.c' -exec cat '{}' ';' | sort
S
compare_with_host files "$TMP/script"

# ls -l: mode, links, owner, group, size, date, name; and a symbolic link's target
cat >"$TMP/lscript" <<'S'
ln -s tree/a.txt lnk
ls -l tree
ls -l lnk
ls -ld tree
S
run_guest lsl "$TMP/lscript"
expect_re "ls -l: total line" "$(out lsl)" $'\ntotal [0-9]+\n'
expect_re "ls -l: a regular file" "$(out lsl)" \
    $'\n-rw-r--r-- 1 [a-z0-9]+ +[a-z0-9]+ +2 [A-Z][a-z]{2} [ 0-9]{2} ([0-9]{2}:[0-9]{2}| [0-9]{4}) a.txt\n'
expect_re "ls -l: a directory" "$(out lsl)" $'\ndrwx[-r][-w][-x][-r][-w][-x] [0-9]+ .* other\n'
expect_re "ls -l: a symbolic link" "$(out lsl)" $'\nlrwxrwxrwx 1 .* lnk -> tree/a.txt\n'
expect_re "ls -ld: the directory itself" "$(out lsl)" $'\ndrwx.* tree\n'
finish
