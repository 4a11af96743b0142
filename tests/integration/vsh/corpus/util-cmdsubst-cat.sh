# needs: cat
cd "${TMPDIR:-/tmp}"
printf 'x y\nz\n' > uc
set -- $(cat uc)
echo $# "$3"
n=$(cat uc | while read l; do echo line; done | cat)
echo "$n"
